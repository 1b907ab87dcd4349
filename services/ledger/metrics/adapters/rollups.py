"""SQL for the metric rollups: applying a batch's increments and remembering what was applied
(the reads are in ``reads.py``)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime
from typing import Any

import asyncpg

from libs.shared.db import Conn
from services.ledger.metrics.domain import grains
from services.ledger.metrics.domain.dimensions import UTM
from services.ledger.metrics.domain.grains import LEADER_COLUMNS
from services.ledger.metrics.domain.rollup import COLUMNS, DEFAULT_HOME, Deltas, Fact

_FACT_COLUMNS = [f.name for f in dataclasses.fields(Fact)]
# A subscription with no charge for this long after its last one has churned (a monthly plan
# that missed its renewal, with a few days' grace).
CHURN_DAYS = 35


def _upsert(table: str, keys: list[tuple[str, str]], values: list[tuple[str, str]],
            merge: str = "{t}.{c} + EXCLUDED.{c}") -> str:
    """An INSERT of unnested arrays ($1.. in column order) that merges into existing rows."""
    columns = keys + values
    arrays = ", ".join(f"${i + 1}::{kind}[]" for i, (_, kind) in enumerate(columns))
    merged = ", ".join(f"{c} = " + merge.format(t="t", c=c) for c, _ in values)
    return (f"INSERT INTO {table} AS t ({', '.join(c for c, _ in columns)}) SELECT * FROM "
            f"unnest({arrays}) ON CONFLICT ({', '.join(c for c, _ in keys)}) "
            f"DO UPDATE SET {merged}")


_ORG, _DAY, _PROGRAM = ("org_id", "uuid"), ("day", "date"), ("program_id", "uuid")
_AFFILIATE, _CURRENCY = ("affiliate_id", "uuid"), ("currency", "text")
_COUNTERS = [(c, "bigint") for c in COLUMNS]
_ATTRIBUTION = [("conversions", "bigint"), ("revenue_cents", "bigint"),
                ("commission_cents", "bigint")]
_DIM_SUMS = [("clicks", "bigint"), ("conversions", "bigint"), ("revenue_cents", "bigint"),
             ("commission_cents", "bigint")]
_UPSERT_DAYS = _upsert("metric_days", [_ORG, _DAY, _PROGRAM, _AFFILIATE, _CURRENCY], _COUNTERS)
_UPSERT_ORG_DAYS = _upsert("metric_org_days", [_ORG, _DAY, _PROGRAM, _CURRENCY], _COUNTERS)
_UPSERT_KINDS = _upsert("metric_attribution", [_ORG, _DAY, _PROGRAM, _AFFILIATE, _CURRENCY,
                                               ("kind", "text")], _ATTRIBUTION)
_UPSERT_ORG_KINDS = _upsert("metric_org_attribution", [_ORG, _DAY, _PROGRAM, _CURRENCY,
                                                       ("kind", "text")], _ATTRIBUTION)
_UPSERT_SOURCES = _upsert("metric_sources", [_ORG, _DAY, _PROGRAM, _AFFILIATE,
                                             ("source", "text")], [("clicks", "bigint")])
_UPSERT_ORG_SOURCES = _upsert("metric_org_sources", [_ORG, _DAY, _PROGRAM, ("source", "text")],
                              [("clicks", "bigint")])
_DIM = [("dimension", "text"), ("value", "text")]
_UPSERT_DIMS = _upsert("metric_dims", [_ORG, _DAY, _PROGRAM, _AFFILIATE, _CURRENCY, *_DIM],
                       _DIM_SUMS)
_UPSERT_ORG_DIMS = _upsert("metric_org_dims", [_ORG, _DAY, _PROGRAM, _CURRENCY, *_DIM],
                           _DIM_SUMS)
_UPSERT_LEADERS = _upsert("metric_leaders", [_ORG, ("span", "smallint"), _DAY, _PROGRAM,
                                             _AFFILIATE, _CURRENCY],
                          [(c, "bigint") for c in LEADER_COLUMNS])
_UPSERT_ACTIVITY = _upsert("metric_affiliate_activity", [_ORG, _AFFILIATE],
                           [("last_day", "date")], "greatest({t}.{c}, EXCLUDED.{c})")
_UPSERT_SUBSCRIPTIONS = (
    "INSERT INTO metric_subscriptions AS s (org_id, subscription_id, program_id, affiliate_id, "
    "first_day, last_day) SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], "
    "$5::date[], $6::date[]) ON CONFLICT (org_id, subscription_id) DO UPDATE SET "
    "first_day = least(s.first_day, EXCLUDED.first_day), "
    "last_day = greatest(s.last_day, EXCLUDED.last_day)")


def _columns(rows: list[tuple[Any, ...]], width: int) -> list[list[Any]]:
    return [[r[i] for r in rows] for i in range(width)]


class Rollups:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    # ---- applying -----------------------------------------------------------------------------
    async def first_time(self, event_id: uuid.UUID, at: datetime, *also: uuid.UUID) -> bool:
        """True the first time ``event_id`` (and each of ``also``) is applied: all of them are
        remembered, and any one seen before makes it False."""
        ids = [event_id, *also]
        found: int = await self.conn.fetchval(
            "WITH new AS (INSERT INTO metric_events (event_id, applied_at) SELECT "
            "unnest($1::uuid[]), $2 ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*) FROM new",
            ids, at)
        return found == len(ids)

    async def remember_many(self, facts: list[Fact]) -> set[uuid.UUID]:
        """The conversions among ``facts`` that were not known yet (they are now)."""
        if not facts:
            return set()
        casts = {"conversion_id": "uuid", "org_id": "uuid", "day": "date", "program_id": "uuid",
                 "affiliate_id": "uuid", "currency": "text", "subscription_id": "text",
                 "kind": "text", "amount_cents": "bigint", "commission_cents": "bigint",
                 "stage": "smallint", "cell": "smallint",
                 **dict.fromkeys(("source", "country", "device", *UTM, "delay", "link",
                                  "channel"), "text")}
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

    async def origins_of(self, conversion_ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
        """Where each of these sales came from, for those with an originating click or a
        link: the click's values (None without one) with the seconds from the click to the
        sale, and the link's slug."""
        if not conversion_ids:
            return {}
        rows = await self.conn.fetch(
            "SELECT c.id AS conversion_id, o.referrer_host, o.country, o.device_class, "
            "o.utm_source, o.utm_medium, o.utm_campaign, o.sub_id, o.clicked_at, "
            "extract(epoch FROM c.created_at - o.clicked_at)::float8 AS delay_seconds, "
            "l.slug AS link_slug FROM conversions c "
            "LEFT JOIN conversion_origins o ON o.conversion_id = c.id "
            "LEFT JOIN conversion_links l ON l.conversion_id = c.id "
            "WHERE c.id = ANY($1::uuid[]) AND (o.conversion_id IS NOT NULL "
            "OR l.conversion_id IS NOT NULL)", conversion_ids)
        return {r["conversion_id"]: r for r in rows}

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

    async def lower(self, standing: Fact) -> Fact | None:
        """The remembered fact of ``standing``'s conversion before its money was lowered to
        ``standing``'s (never raised; only while counted); None when it is not known."""
        row = await self.conn.fetchrow(
            f"WITH before AS (SELECT {', '.join(_FACT_COLUMNS)} FROM metric_conversions "
            "WHERE conversion_id = $1 FOR UPDATE), lowered AS (UPDATE metric_conversions m "
            "SET amount_cents = least(m.amount_cents, $2), "
            "commission_cents = least(m.commission_cents, $3) FROM before "
            "WHERE m.conversion_id = before.conversion_id AND before.counted) "
            "SELECT * FROM before", standing.conversion_id, standing.amount_cents,
            standing.commission_cents)
        return None if row is None else _fact(row)

    async def write(self, deltas: Deltas) -> None:
        homes = await self._homes(grains.orgs_without_currency(deltas))
        for sql, rows in (
                (_UPSERT_DAYS, deltas.day_rows()), (_UPSERT_ORG_DAYS, grains.org_day_rows(deltas)),
                (_UPSERT_SOURCES, deltas.source_rows()),
                (_UPSERT_ORG_SOURCES, grains.org_source_rows(deltas)),
                (_UPSERT_KINDS, deltas.kind_rows()),
                (_UPSERT_ORG_KINDS, grains.org_kind_rows(deltas)),
                (_UPSERT_DIMS, deltas.dim_rows()), (_UPSERT_ORG_DIMS, grains.org_dim_rows(deltas)),
                (_UPSERT_LEADERS, grains.leader_rows(deltas, homes)),
                (_UPSERT_ACTIVITY, grains.activity_rows(deltas)),
                (_UPSERT_SUBSCRIPTIONS, deltas.subscription_rows())):
            if rows:
                await self.conn.execute(sql, *_columns(rows, len(rows[0])))

    async def _homes(self, orgs: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        """Each org's home currency."""
        if not orgs:
            return {}
        rows = await self.conn.fetch("SELECT org_id, home_currency FROM org_settings "
                                     "WHERE org_id = ANY($1::uuid[])", list(orgs))
        return dict.fromkeys(orgs, DEFAULT_HOME) | {r[0]: r[1] for r in rows}

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


def _fact(row: asyncpg.Record) -> Fact:
    return Fact(*(row[c] for c in _FACT_COLUMNS))
