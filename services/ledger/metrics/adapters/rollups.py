"""SQL for the metric rollups: applying a batch's increments, remembering what was applied,
and the sums the dashboard reads."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from libs.shared.db import Conn
from services.ledger.metrics.domain.rollup import COLUMNS, NO_PROGRAM, Deltas, Fact

_FACT_COLUMNS = [f.name for f in dataclasses.fields(Fact)]
# A subscription with no charge for this long after its last one has churned (a monthly plan
# that missed its renewal, with a few days' grace).
CHURN_DAYS = 35
_ADD = ", ".join(f"{c} = d.{c} + EXCLUDED.{c}" for c in COLUMNS)
_UPSERT_DAYS = (
    f"INSERT INTO metric_days AS d (org_id, day, program_id, affiliate_id, currency, "
    f"{', '.join(COLUMNS)}) SELECT * FROM unnest($1::uuid[], $2::date[], $3::uuid[], "
    f"$4::uuid[], $5::text[], {', '.join(f'${i}::bigint[]' for i in range(6, 6 + len(COLUMNS)))}"
    f") ON CONFLICT (org_id, day, program_id, affiliate_id, currency) DO UPDATE SET {_ADD}")
_UPSERT_KINDS = (
    "INSERT INTO metric_attribution AS k (org_id, day, program_id, affiliate_id, currency, "
    "kind, conversions, revenue_cents, commission_cents) SELECT * FROM unnest($1::uuid[], "
    "$2::date[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], "
    "$9::bigint[]) ON CONFLICT (org_id, day, program_id, affiliate_id, currency, kind) DO "
    "UPDATE SET conversions = k.conversions + EXCLUDED.conversions, "
    "revenue_cents = k.revenue_cents + EXCLUDED.revenue_cents, "
    "commission_cents = k.commission_cents + EXCLUDED.commission_cents")
_UPSERT_SUBSCRIPTIONS = (
    "INSERT INTO metric_subscriptions AS s (org_id, subscription_id, program_id, affiliate_id, "
    "first_day, last_day) SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], "
    "$5::date[], $6::date[]) ON CONFLICT (org_id, subscription_id) DO UPDATE SET "
    "first_day = least(s.first_day, EXCLUDED.first_day), "
    "last_day = greatest(s.last_day, EXCLUDED.last_day)")
_UPSERT_SOURCES = (
    "INSERT INTO metric_sources AS s (org_id, day, program_id, affiliate_id, source, clicks) "
    "SELECT * FROM unnest($1::uuid[], $2::date[], $3::uuid[], $4::uuid[], $5::text[], "
    "$6::bigint[]) ON CONFLICT (org_id, day, program_id, affiliate_id, source) "
    "DO UPDATE SET clicks = s.clicks + EXCLUDED.clicks")


# The window and the optional program and affiliate of a read ($2..$5).
_WINDOW = ("day BETWEEN $2 AND $3 AND ($4::uuid IS NULL OR program_id = $4) "
           "AND ($5::uuid IS NULL OR affiliate_id = $5)")


def _columns(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
    return [[r[i] for r in rows] for i in range(width)]


class Rollups:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    # ---- applying -----------------------------------------------------------------------------
    async def first_time(self, event_id: uuid.UUID, at: datetime) -> bool:
        """True the first time ``event_id`` is applied."""
        done = await self.conn.fetchval(
            "INSERT INTO metric_events (event_id, applied_at) VALUES ($1, $2) "
            "ON CONFLICT DO NOTHING RETURNING true", event_id, at)
        return bool(done)

    async def remember_many(self, facts: list[Fact]) -> set[uuid.UUID]:
        """The conversions among ``facts`` that were not known yet (they are now)."""
        if not facts:
            return set()
        casts = {"conversion_id": "uuid", "org_id": "uuid", "day": "date", "program_id": "uuid",
                 "affiliate_id": "uuid", "currency": "text", "subscription_id": "text",
                 "kind": "text", "amount_cents": "bigint", "commission_cents": "bigint",
                 "stage": "smallint"}
        arrays = ", ".join(f"${i + 1}::{casts.get(c, 'boolean')}[]"
                           for i, c in enumerate(_FACT_COLUMNS))
        rows = await self.conn.fetch(
            f"INSERT INTO metric_conversions ({', '.join(_FACT_COLUMNS)}) "
            f"SELECT * FROM unnest({arrays}) ON CONFLICT (conversion_id) DO NOTHING "
            "RETURNING conversion_id", *[[getattr(f, c) for f in facts] for c in _FACT_COLUMNS])
        return {r[0] for r in rows}

    async def customers_of(self, conversion_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Who bought: the Stripe customer id, else the brand's customer id, else the e-mail
        (lower case); conversions without any are left out."""
        rows = await self.conn.fetch(
            "SELECT id, coalesce(stripe_customer_id, customer_id, lower(customer_email)) "
            "FROM conversions WHERE id = ANY($1::uuid[])", conversion_ids)
        return {r[0]: r[1] for r in rows if r[1]}

    async def first_seen(self, rows: list[tuple[uuid.UUID, str, date]]
                         ) -> set[tuple[uuid.UUID, str]]:
        """Customers (org, customer) seen for the first time now, of ``rows``."""
        if not rows:
            return set()
        found = await self.conn.fetch(
            "INSERT INTO metric_customers (org_id, customer, first_day) SELECT * FROM "
            "unnest($1::uuid[], $2::text[], $3::date[]) ON CONFLICT DO NOTHING "
            "RETURNING org_id, customer", *_columns(rows, 3))
        return {(r[0], r[1]) for r in found}

    async def uncount(self, conversion_ids: list[uuid.UUID]) -> list[Fact]:
        """Counted conversions among ``conversion_ids``, now no longer counted."""
        rows = await self.conn.fetch(
            f"UPDATE metric_conversions SET counted = false WHERE conversion_id = ANY($1::uuid[])"
            f" AND counted RETURNING {', '.join(_FACT_COLUMNS)}", conversion_ids)
        return [_fact(r) for r in rows]

    async def write(self, deltas: Deltas) -> None:
        days = deltas.day_rows()
        if days:
            await self.conn.execute(_UPSERT_DAYS, *_columns(days, 5 + len(COLUMNS)))
        sources = deltas.source_rows()
        if sources:
            await self.conn.execute(_UPSERT_SOURCES, *_columns(sources, 6))
        kinds = deltas.kind_rows()
        if kinds:
            await self.conn.execute(_UPSERT_KINDS, *_columns(kinds, 9))
        subscriptions = deltas.subscription_rows()
        if subscriptions:
            await self.conn.execute(_UPSERT_SUBSCRIPTIONS, *_columns(subscriptions, 6))

    async def advance(self, conversion_id: uuid.UUID, stage: int) -> tuple[Fact, Fact] | None:
        """A counted conversion moved on to ``stage``: (before, after), or None when it is
        not counted, unknown, or there already."""
        row = await self.conn.fetchrow(
            f"WITH before AS (SELECT {', '.join(_FACT_COLUMNS)} FROM metric_conversions "
            "WHERE conversion_id = $1 AND counted AND stage < $2 FOR UPDATE) "
            "UPDATE metric_conversions m SET stage = $2 FROM before "
            "WHERE m.conversion_id = before.conversion_id "
            f"RETURNING {', '.join('before.' + c for c in _FACT_COLUMNS)}", conversion_id,
            stage)
        if row is None:
            return None
        before = _fact(row)
        return before, dataclasses.replace(before, stage=stage)

    # ---- reading ------------------------------------------------------------------------------
    async def by_day(self, org_id: uuid.UUID, first: date, last: date,
                     program_id: uuid.UUID | None = None,
                     affiliate_id: uuid.UUID | None = None) -> list[asyncpg.Record]:
        """Per (day, currency): every column summed over ``[first, last]``."""
        return list(await self.conn.fetch(
            f"SELECT day, currency, {', '.join(f'sum({c})::bigint AS {c}' for c in COLUMNS)} "
            f"FROM metric_days WHERE org_id = $1 AND {_WINDOW} GROUP BY day, currency "
            "ORDER BY day",
            org_id, first, last, program_id, affiliate_id))

    async def by_kind(self, org_id: uuid.UUID, first: date, last: date,
                      program_id: uuid.UUID | None, affiliate_id: uuid.UUID | None
                      ) -> list[asyncpg.Record]:
        """Per (kind, day, currency): sales, revenue and commission by way of attribution."""
        return list(await self.conn.fetch(
            "SELECT kind, day, currency, sum(conversions)::bigint AS conversions, "
            "sum(revenue_cents)::bigint AS revenue_cents, "
            "sum(commission_cents)::bigint AS commission_cents FROM metric_attribution "
            f"WHERE org_id = $1 AND {_WINDOW} GROUP BY kind, day, currency",
            org_id, first, last, program_id, affiliate_id))

    async def active_affiliates(self, org_id: uuid.UUID, first: date, last: date) -> int:
        found: int = await self.conn.fetchval(
            "SELECT count(DISTINCT affiliate_id) FROM metric_days WHERE org_id = $1 "
            "AND day BETWEEN $2 AND $3 AND (clicks > 0 OR conversions > 0 OR leads > 0)",
            org_id, first, last)
        return found

    async def by_affiliate(self, org_id: uuid.UUID, first: date, last: date,
                           program_id: uuid.UUID | None) -> list[asyncpg.Record]:
        """Per (affiliate, day, currency) of money rows and per affiliate of the rest: what a
        leaderboard ranks (days kept for the FX of each day)."""
        return list(await self.conn.fetch(
            "SELECT affiliate_id, day, currency, sum(clicks)::bigint AS clicks, "
            "sum(conversions)::bigint AS conversions, "
            "sum(commission_cents)::bigint AS commission_cents FROM metric_days "
            "WHERE org_id = $1 AND day BETWEEN $2 AND $3 AND ($4::uuid IS NULL OR "
            "program_id = $4) AND program_id <> $5 "
            "GROUP BY affiliate_id, day, currency", org_id, first, last, program_id,
            NO_PROGRAM))

    async def sources(self, org_id: uuid.UUID, first: date, last: date,
                      program_id: uuid.UUID | None, affiliate_id: uuid.UUID | None
                      ) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(
            f"SELECT source, sum(clicks)::bigint AS clicks FROM metric_sources WHERE org_id = $1 "
            f"AND {_WINDOW} GROUP BY source ORDER BY sum(clicks) DESC, source",
            org_id, first, last, program_id, affiliate_id))

    async def churned(self, org_id: uuid.UUID, first: date, last: date,
                      program_id: uuid.UUID | None, affiliate_id: uuid.UUID | None) -> int:
        """Subscriptions whose charges stopped in the window: the last one was
        ``CHURN_DAYS`` before a day of it."""
        found: int = await self.conn.fetchval(
            "SELECT count(*) FROM metric_subscriptions WHERE org_id = $1 "
            "AND last_day + $6::int BETWEEN $2 AND $3 AND ($4::uuid IS NULL OR "
            "program_id = $4) AND ($5::uuid IS NULL OR affiliate_id = $5)",
            org_id, first, last, program_id, affiliate_id, CHURN_DAYS)
        return found

    async def pending(self, org_id: uuid.UUID) -> list[tuple[str, int]]:
        """Approved commission awaiting payout, per currency (the conversions_pending index)."""
        rows = await self.conn.fetch(
            "SELECT currency, sum(commission_cents)::bigint FROM conversions "
            "WHERE org_id = $1 AND status = 'Approved' GROUP BY currency", org_id)
        return [(r[0], r[1]) for r in rows]


def _fact(row: asyncpg.Record) -> Fact:
    return Fact(*(row[c] for c in _FACT_COLUMNS))
