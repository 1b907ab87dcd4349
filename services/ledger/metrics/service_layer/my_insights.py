"""The affiliate's own insight modules (``libs/contracts/my_insights.py``): the brand modules'
sums and shapes, read from the per-affiliate rollups of the caller's memberships only (one
``Scope`` per membership, so another affiliate's rows are never read), with commission where
the brand sees revenue, in one reporting currency (``domain/memberships.py``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from libs.contracts import insights as ins
from libs.contracts import my_insights as my
from libs.shared.db import Conn
from services.ledger.metrics.adapters.reads import Reads, Scope
from services.ledger.metrics.domain import dimensions as dim
from services.ledger.metrics.domain.memberships import in_focus, reporting_currency
from services.ledger.metrics.domain.rollup import NO_CURRENCY
from services.ledger.metrics.service_layer import insight_dims as d
from services.ledger.metrics.service_layer.insights import (
    day_rows,
    overview_fields,
    rows_of,
    totals_of,
)
from services.ledger.metrics.service_layer.queries import days_of, window

TOP_ROWS = 100  # links and channels: sub-ids are the affiliate's free labels


@dataclass(frozen=True, slots=True)
class Mine:
    """The caller's rollup reads: one scope per membership in focus, and the currency."""

    scopes: list[Scope]
    currency: str


async def _mine(conn: Conn, cmd: my.GetMyInsight) -> Mine:
    focused = in_focus([(m.org_id, m.affiliate_id) for m in cmd.memberships],
                       cmd.affiliate_id)
    first, last = days_of(*window(cmd.since, cmd.until))
    homes = await Reads(conn).home_currencies(sorted({org for org, _ in focused}))
    return Mine([Scope(org, first, last, cmd.program_id, affiliate)
                 for org, affiliate in focused], reporting_currency(homes))


async def _sums(pool: asyncpg.Pool, cmd: my.GetMyInsight, dimension: str
                ) -> tuple[d.Sums, str]:
    async with pool.acquire() as conn:
        mine = await _mine(conn, cmd)
        return await d.dim_sums(conn, mine.scopes, dimension, mine.currency)


async def overview(pool: asyncpg.Pool, cmd: my.GetMyInsight) -> my.MyOverview:
    async with pool.acquire() as conn:
        mine = await _mine(conn, cmd)
        rows, money = await day_rows(conn, mine.scopes, mine.currency)
    earned: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["currency"] != NO_CURRENCY and r["commission_cents"]:
            earned[r["currency"]] += r["commission_cents"]
    return my.MyOverview(
        **overview_fields(totals_of(rows, money)), currency=mine.currency,
        commission_by_currency=[my.CurrencyCommission(currency=c, commission_cents=cents)
                                for c, cents in sorted(earned.items()) if cents])


async def sale_origin(pool: asyncpg.Pool, cmd: my.GetMyInsight) -> my.MySaleOrigin:
    sums, currency = await _sums(pool, cmd, dim.SOURCE)
    attributed, total, share = d.coverage(sums)
    return my.MySaleOrigin(
        sources=[my.MyOriginSource(source=source, conversions=s[d.SALES],
                                   commission_cents=s[d.COMMISSION])
                 for source, s in d.top_hosts(sums, d.COMMISSION)],
        attributed_conversions=attributed, total_conversions=total, coverage=share,
        currency=currency)


def _earned(s: list[int]) -> dict[str, int]:
    """A row's counts and the caller's commission (never the revenue)."""
    return {"clicks": s[d.CLICKS], "conversions": s[d.SALES],
            "commission_cents": s[d.COMMISSION]}


async def _top(pool: asyncpg.Pool, cmd: my.GetMyInsight, dimension: str
               ) -> tuple[list[tuple[str, dict[str, int]]], str]:
    """The first ``TOP_ROWS`` values by clicks, then sales (``(unknown)`` last)."""
    sums, currency = await _sums(pool, cmd, dimension)
    return [(v, _earned(s)) for v, s in d.ranked(sums, d.CLICKS, d.SALES)[:TOP_ROWS]], currency


async def geography(pool: asyncpg.Pool, cmd: my.GetMyInsight) -> my.MyGeography:
    sums, currency = await _sums(pool, cmd, dim.COUNTRY)
    return my.MyGeography(currency=currency, rows=[
        my.MyCountryRow(country=country, **_earned(s))
        for country, s in d.ranked(sums, d.SALES, d.CLICKS)])


async def devices(pool: asyncpg.Pool, cmd: my.GetMyInsight) -> ins.Devices:
    return d.devices_of((await _sums(pool, cmd, dim.DEVICE))[0])


async def time_patterns(pool: asyncpg.Pool, cmd: my.GetMyInsight) -> ins.TimePatterns:
    return d.time_patterns_of((await _sums(pool, cmd, dim.HOUR))[0])


async def utm(pool: asyncpg.Pool, cmd: my.GetMyInsight) -> my.MyUtm:
    sums, currency = await _sums(pool, cmd, f"utm_{cmd.dimension.value}")
    return my.MyUtm(dimension=cmd.dimension, currency=currency, rows=[
        my.MyUtmRow(value=value, **_earned(s)) for value, s in d.ranked(sums, d.CLICKS, d.SALES)])


async def links(pool: asyncpg.Pool, cmd: my.GetMyInsight) -> my.MyLinks:
    rows, currency = await _top(pool, cmd, dim.LINK)
    return my.MyLinks(currency=currency, rows=[my.LinkRow(slug=v, **e) for v, e in rows])


async def channels(pool: asyncpg.Pool, cmd: my.GetMyInsight) -> my.MyChannels:
    rows, currency = await _top(pool, cmd, dim.CHANNEL)
    return my.MyChannels(currency=currency, rows=[my.ChannelRow(sub_id=v, **e) for v, e in rows])


MODULES: dict[my.MyModule, Callable[[asyncpg.Pool, my.GetMyInsight], Awaitable[Any]]] = {
    my.MyModule.overview: overview, my.MyModule.sale_origin: sale_origin,
    my.MyModule.geography: geography, my.MyModule.devices: devices,
    my.MyModule.links: links, my.MyModule.time_patterns: time_patterns,
    my.MyModule.utm: utm, my.MyModule.channels: channels}
# The CSV of the overview is its one row of figures; the per-currency sums stay in the JSON.
CSV_LEAVES_OUT = {my.MyModule.overview: frozenset({"commission_by_currency"})}


async def as_rows(pool: asyncpg.Pool, cmd: my.GetMyInsight) -> ins.InsightRows:
    answer = await MODULES[cmd.module](pool, cmd)
    return rows_of(answer, CSV_LEAVES_OUT.get(cmd.module, frozenset()))
