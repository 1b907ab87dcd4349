"""The sums the dashboard reads from the rollups. A read that names an affiliate uses the
per-affiliate tables (0016, indexed by affiliate); one over the whole org uses the org-wide
grain (0017), a few rows per day. The program filter is added to the SQL only when given, so
each shape of read gets a plan for it (``($n IS NULL OR ...)`` turns into a filter that a generic
plan cannot push into the index)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg

from libs.shared.db import Conn
from services.ledger.metrics.adapters.rollups import CHURN_DAYS
from services.ledger.metrics.domain.grains import monday
from services.ledger.metrics.domain.rollup import COLUMNS, DEFAULT_HOME


class Scope:
    """Which rows a read sums: the org, its window of days and the optional filters, as the
    table to read and the WHERE clause with its arguments."""

    def __init__(self, org_id: uuid.UUID, first: date, last: date,
                 program_id: uuid.UUID | None = None,
                 affiliate_id: uuid.UUID | None = None) -> None:
        self.org_id, self.first, self.last = org_id, first, last
        self.program_id, self.affiliate_id = program_id, affiliate_id

    def where(self, day: str = "day", *extra: Any) -> tuple[str, list[Any]]:
        """``day`` is the expression the window bounds; ``extra`` arguments follow the
        window's ($4...)."""
        args: list[Any] = [self.org_id, self.first, self.last, *extra]
        clauses = ["org_id = $1", f"{day} BETWEEN $2 AND $3"]
        for column, value in (("program_id", self.program_id),
                              ("affiliate_id", self.affiliate_id)):
            if value is not None:
                args.append(value)
                clauses.append(f"{column} = ${len(args)}")
        return " AND ".join(clauses), args

    def table(self, per_affiliate: str, org_wide: str) -> str:
        return per_affiliate if self.affiliate_id is not None else org_wide


class Reads:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def by_day(self, scope: Scope) -> list[asyncpg.Record]:
        """Per (day, currency): every column summed over the window."""
        where, args = scope.where()
        return list(await self.conn.fetch(
            f"SELECT day, currency, {', '.join(f'sum({c})::bigint AS {c}' for c in COLUMNS)} "
            f"FROM {scope.table('metric_days', 'metric_org_days')} WHERE {where} "
            "GROUP BY day, currency ORDER BY day", *args))

    async def by_kind(self, scope: Scope) -> list[asyncpg.Record]:
        """Per (kind, day, currency): sales, revenue and commission by way of attribution."""
        where, args = scope.where()
        return list(await self.conn.fetch(
            "SELECT kind, day, currency, sum(conversions)::bigint AS conversions, "
            "sum(revenue_cents)::bigint AS revenue_cents, "
            "sum(commission_cents)::bigint AS commission_cents FROM "
            f"{scope.table('metric_attribution', 'metric_org_attribution')} WHERE {where} "
            "GROUP BY kind, day, currency", *args))

    async def sources(self, scope: Scope) -> list[asyncpg.Record]:
        where, args = scope.where()
        return list(await self.conn.fetch(
            "SELECT source, sum(clicks)::bigint AS clicks FROM "
            f"{scope.table('metric_sources', 'metric_org_sources')} WHERE {where} "
            "GROUP BY source ORDER BY sum(clicks) DESC, source", *args))

    async def dims(self, scope: Scope, dimension: str) -> list[asyncpg.Record]:
        """Per (value, day, currency) of one click dimension: clicks, sales, their revenue
        and commission."""
        where, args = scope.where("day", dimension)
        return list(await self.conn.fetch(
            "SELECT value, day, currency, sum(clicks)::bigint AS clicks, "
            "sum(conversions)::bigint AS conversions, "
            "sum(revenue_cents)::bigint AS revenue_cents, "
            "sum(commission_cents)::bigint AS commission_cents FROM "
            f"{scope.table('metric_dims', 'metric_org_dims')} WHERE {where} "
            "AND dimension = $4 GROUP BY value, day, currency", *args))

    async def home_currencies(self, org_ids: list[uuid.UUID]) -> set[str]:
        """The distinct home currencies of these orgs (the default for an org without
        settings)."""
        rows = await self.conn.fetch(
            "SELECT DISTINCT coalesce(s.home_currency, $2) FROM unnest($1::uuid[]) AS o "
            "LEFT JOIN org_settings s ON s.org_id = o", org_ids, DEFAULT_HOME)
        return {r[0] for r in rows}

    async def active_affiliates(self, org_id: uuid.UUID, first: date) -> int:
        """Affiliates with a click, a lead or a sale from ``first`` on (the window ends now)."""
        found: int = await self.conn.fetchval(
            "SELECT count(*) FROM metric_affiliate_activity WHERE org_id = $1 "
            "AND last_day >= $2", org_id, first)
        return found

    async def leaders(self, org_id: uuid.UUID, first: date, last: date,
                      program_id: uuid.UUID | None, home: str) -> list[asyncpg.Record]:
        """Per affiliate over ``[first, last]`` (``last`` is today): clicks, sales and the
        commission in ``home``: the day rows up to the first Monday, then the week rows."""
        start_of_weeks = first if first.weekday() == 0 else monday(first) + timedelta(days=7)
        program = "" if program_id is None else " AND program_id = $6"
        return list(await self.conn.fetch(
            "SELECT affiliate_id, sum(clicks)::bigint AS clicks, "
            "sum(conversions)::bigint AS conversions, coalesce(sum(commission_cents) "
            "FILTER (WHERE currency = $5), 0)::bigint AS commission_cents FROM metric_leaders "
            "WHERE org_id = $1 AND ((span = 1 AND day >= $2 AND day < $3) "
            f"OR (span = 7 AND day >= $3 AND day <= $4)){program} GROUP BY affiliate_id",
            org_id, first, start_of_weeks, last, home,
            *([] if program_id is None else [program_id])))

    async def foreign_commission(self, org_id: uuid.UUID, first: date, last: date,
                                 program_id: uuid.UUID | None, home: str
                                 ) -> list[asyncpg.Record]:
        """Per (affiliate, day, currency): commission in currencies other than ``home``, by
        day for each day's rate (few rows: most orgs sell in one currency)."""
        currencies = [r[0] for r in await self.conn.fetch(
            "SELECT DISTINCT currency FROM metric_org_days WHERE org_id = $1 AND day BETWEEN "
            "$2 AND $3 AND currency NOT IN ('', $4) AND commission_cents <> 0",
            org_id, first, last, home)]
        if not currencies:
            return []
        program = "" if program_id is None else " AND program_id = $5"
        return list(await self.conn.fetch(
            "SELECT affiliate_id, day, currency, sum(commission_cents)::bigint AS "
            "commission_cents FROM metric_leaders WHERE org_id = $1 AND span = 1 "
            f"AND currency = ANY($4::text[]) AND day BETWEEN $2 AND $3{program} "
            "GROUP BY affiliate_id, day, currency", org_id, first, last, currencies,
            *([] if program_id is None else [program_id])))

    async def churned(self, scope: Scope) -> int:
        """Subscriptions whose charges stopped in the window: the last one was
        ``CHURN_DAYS`` before a day of it."""
        where, args = scope.where("last_day + $4::int", CHURN_DAYS)
        found: int = await self.conn.fetchval(
            f"SELECT count(*) FROM metric_subscriptions WHERE {where}", *args)
        return found

    async def pending(self, org_id: uuid.UUID) -> list[tuple[str, int]]:
        """Approved commission awaiting payout, per currency (the conversions_pending index)."""
        rows = await self.conn.fetch(
            "SELECT currency, sum(commission_cents)::bigint FROM conversions "
            "WHERE org_id = $1 AND status = 'Approved' GROUP BY currency", org_id)
        return [(r[0], r[1]) for r in rows]
