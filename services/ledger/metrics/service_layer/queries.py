"""The dashboard's reads, answered from the rollups. Windows are whole UTC days: from the day
of ``since`` through the day before ``until`` (``until`` is exclusive; by default now, so
today counts). Money is summed per (day, currency) and each sum converted to the org's home
currency with that day's rate: a sale's earnings use the rate of the sale's day."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import asyncpg

from libs.contracts import metrics as m
from libs.shared.clock import now_utc
from libs.shared.db import Conn
from libs.shared.errors import ValidationFailed
from services.ledger.domain.errors import FxRateUnavailable
from services.ledger.fx.adapters.repository import rates_for
from services.ledger.fx.domain.model import BASE, RateTable, conversion, normalize
from services.ledger.metrics.adapters.reads import Board, Reads, Scope
from services.ledger.metrics.domain.rollup import DEFAULT_HOME, NO_CURRENCY

DEFAULT_DAYS = 30
MAX_WINDOW_DAYS = 3660
TOP_SOURCES = 20


def window(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    end = _aware(until) if until is not None else now_utc()
    start = _aware(since) if since is not None else end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise ValidationFailed("since must be before until (or before now)", field="since")
    if end - start > timedelta(days=MAX_WINDOW_DAYS):
        raise ValidationFailed(f"a window covers at most {MAX_WINDOW_DAYS} days",
                               field="since")
    return start, end


def days_of(start: datetime, end: datetime) -> tuple[date, date]:
    """The first and last UTC day of ``[start, end)``."""
    return start.date(), (end - timedelta(microseconds=1)).date()


def ratio(part: int, whole: int, digits: int = 4) -> float:
    """``part / whole`` rounded; 0 with nothing to divide by."""
    return round(part / whole, digits) if whole else 0.0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def home_currency(conn: Conn, org_id: uuid.UUID) -> str:
    found = await conn.fetchval("SELECT home_currency FROM org_settings WHERE org_id = $1",
                                org_id)
    return str(found or DEFAULT_HOME)


class Money:
    """Converts (day, currency, cents) sums to the home currency with each day's rate."""

    def __init__(self, home: str, rates: RateTable) -> None:
        self.home, self.rates = home, rates

    @classmethod
    async def load(cls, conn: Conn, org_id: uuid.UUID, amounts: Iterable[tuple[date, str]],
                   home: str | None = None) -> Money:
        """``home``: the org's home currency when the caller already knows it (the gateway's
        own value), else the ledger's copy."""
        return await cls.into(conn, home or await home_currency(conn, org_id), amounts)

    @classmethod
    async def into(cls, conn: Conn, home: str, amounts: Iterable[tuple[date, str]]) -> Money:
        """Converting into ``home``, with the rates of the days of ``amounts``."""
        foreign = [(day, cur) for day, cur in amounts if cur not in (home, NO_CURRENCY)]
        if not foreign:
            return cls(home, RateTable([]))
        currencies = sorted({cur for _, cur in foreign} | {home} - {BASE})
        first, last = min(d for d, _ in foreign), max(d for d, _ in foreign)
        return cls(home, RateTable(await rates_for(conn, currencies, first, last)))

    def home_cents(self, day: date, currency: str, cents: int) -> int:
        if not cents or currency in (self.home, NO_CURRENCY):
            return cents
        return normalize(cents, currency, day, self.home, self.rates).amount_cents


async def summary(pool: asyncpg.Pool, cmd: m.GetSummary) -> m.Summary:
    start, end = window(cmd.since, None)
    first, last = days_of(start, end)
    async with pool.acquire() as conn:
        reads = Reads(conn)
        rows = await reads.by_day(Scope(cmd.org_id, first, last))
        pending = await reads.pending(cmd.org_id)
        today = end.date()
        money = await Money.load(conn, cmd.org_id, [(r["day"], r["currency"]) for r in rows]
                                 + [(today, cur) for cur, _ in pending])
        active = await reads.active_affiliates(cmd.org_id, first)
    clicks = sum(r["clicks"] for r in rows)
    conversions = sum(r["conversions"] for r in rows)
    return m.Summary(
        total_clicks=clicks, total_conversions=conversions,
        total_leads=sum(r["leads"] for r in rows),
        total_earnings_cents=sum(money.home_cents(r["day"], r["currency"],
                                                  r["commission_cents"]) for r in rows),
        conversion_rate=round(conversions * 100 / clicks, 4) if clicks else 0.0,
        active_affiliates=active,
        pending_payouts_cents=sum(money.home_cents(today, cur, cents)
                                  for cur, cents in pending))


async def _series(conn: Conn, org_id: uuid.UUID, metric: str, first: date, last: date
                  ) -> list[m.Point]:
    rows = await Reads(conn).by_day(Scope(org_id, first, last))
    money = await Money.load(conn, org_id, [(r["day"], r["currency"]) for r in rows])
    by_day: dict[date, int] = {}
    for r in rows:
        value = (money.home_cents(r["day"], r["currency"], r["payouts_cents"])
                 if metric == "payouts" else r[metric])
        by_day[r["day"]] = by_day.get(r["day"], 0) + value
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return [m.Point(bucket=d.isoformat(), count=by_day.get(d, 0)) for d in days]


async def timeseries(pool: asyncpg.Pool, cmd: m.GetTimeseries) -> m.Timeseries:
    start, end = window(cmd.since, cmd.until)
    first, last = days_of(start, end)
    async with pool.acquire() as conn:
        points = await _series(conn, cmd.org_id, cmd.metric.value, first, last)
    return m.Timeseries(metric=cmd.metric, granularity=cmd.granularity,
                        since=datetime.combine(first, datetime.min.time(), UTC),
                        until=end, points=points)


async def export_series(pool: asyncpg.Pool, cmd: m.GetExport) -> m.ExportRows:
    start, end = window(cmd.since, cmd.until)
    first, last = days_of(start, end)
    async with pool.acquire() as conn:
        points = await _series(conn, cmd.org_id, cmd.metric.value, first, last)
    return m.ExportRows(metric=cmd.metric, points=points)


async def board_of(conn: Conn, org_id: uuid.UUID, first: date, last: date,
                   program_id: uuid.UUID | None, earnings: bool = True) -> Board:
    """The leaderboard's read over ``[first, last]`` (``last`` is today); with ``earnings``,
    the exact factor of each foreign day's commission at that day's rate. A day without a rate
    fails only when it has commission to convert (as ``Money.home_cents`` does)."""
    reads, home = Reads(conn), await home_currency(conn, org_id)
    pairs = await reads.foreign_days(org_id, first, last, program_id, home) if earnings else []
    rates = (await Money.into(conn, home, [(r["day"], r["currency"]) for r in pairs])).rates
    factors = []
    for r in pairs:
        try:
            factor, _ = conversion(r["currency"], r["day"], home, rates)
        except FxRateUnavailable:
            if r["owed"]:
                raise
            continue
        factors.append((r["day"], r["currency"], factor.numerator, factor.denominator))
    return Board(org_id, first, last, program_id, home, factors)


async def affiliate_totals(conn: Conn, org_id: uuid.UUID, first: date, last: date,
                           program_id: uuid.UUID | None) -> dict[uuid.UUID, list[int]]:
    """Per affiliate over ``[first, last]`` (``last`` is today): clicks, sales and earnings in
    the home currency, each foreign day's commission at that day's rate."""
    board = await board_of(conn, org_id, first, last, program_id)
    return {r["affiliate_id"]: [r["clicks"], r["conversions"], r["earnings"]]
            for r in await Reads(conn).leaders(board)}


async def leaderboard(pool: asyncpg.Pool, cmd: m.GetLeaderboard) -> m.Leaderboard:
    """Ranked by the database, which returns the top ``limit`` (epc rounded as ``rank_value``
    rounds, so the order here is the database's)."""
    start, end = window(cmd.since, None)
    first, last = days_of(start, end)
    async with pool.acquire() as conn:
        board = await board_of(conn, cmd.org_id, first, last, cmd.program_id,
                               earnings=cmd.metric in (m.RankBy.earnings, m.RankBy.epc))
        rows = await Reads(conn).leaders(replace(board, rank_by=cmd.metric.value,
                                                 limit=cmd.limit))
        ranked = sorted(((rank_value(cmd.metric, r["clicks"], r["conversions"], r["earnings"]),
                          str(r["affiliate_id"])) for r in rows
                         if cmd.metric != m.RankBy.epc or r["clicks"] > 0),
                        key=lambda v: (-v[0], v[1]))[:cmd.limit]
        people = {r["id"]: r for r in await conn.fetch(
            "SELECT id, full_name, email FROM affiliates WHERE org_id = $1 "
            "AND id = ANY($2::uuid[])", cmd.org_id, [uuid.UUID(a) for _, a in ranked])}
    return m.Leaderboard([m.Leader(affiliate_id=uuid.UUID(a), value=value,
                                   full_name=people[uuid.UUID(a)]["full_name"],
                                   email=people[uuid.UUID(a)]["email"])
                          for value, a in ranked if uuid.UUID(a) in people])


def rank_value(metric: m.RankBy, clicks: int, conversions: int, earnings: int) -> int:
    if metric == m.RankBy.clicks:
        return clicks
    if metric == m.RankBy.conversions:
        return conversions
    if metric == m.RankBy.earnings:
        return earnings
    return round(earnings / clicks)  # epc: earnings per click, in cents


async def traffic_sources(pool: asyncpg.Pool, cmd: m.GetTrafficSources) -> m.TrafficSources:
    start, end = window(cmd.since, None)
    first, last = days_of(start, end)
    async with pool.acquire() as conn:
        rows = await Reads(conn).sources(Scope(cmd.org_id, first, last, cmd.program_id,
                                               cmd.affiliate_id))
    total = sum(r["clicks"] for r in rows)
    return m.TrafficSources([m.Source(source=r["source"], count=r["clicks"],
                                      percentage=round(r["clicks"] * 100 / total, 1))
                             for r in rows[:TOP_SOURCES]])
