"""SQL of a rollup rebuild: the org lock it shares with the live path, its plan (the cursor),
taking a day's rows back out of every grain, and the ledger's own data of that day."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import asyncpg

from libs.shared.clock import now_utc
from libs.shared.db import Conn
from services.ledger.conversions.adapters.refund_progress_repository import (
    COLUMNS as REFUND_COLUMNS,
)
from services.ledger.conversions.adapters.repository import conversion_from
from services.ledger.conversions.domain import partial_refunds
from services.ledger.conversions.domain.model import Conversion
from services.ledger.conversions.domain.refunds import RefundProgress

# Every table keyed by an org's day, with the condition that picks its day rows. The week rows
# of metric_leaders (span 7) are not day rows: ``take_back_day`` subtracts the day from them.
DAY_TABLES = (("metric_days", ""), ("metric_org_days", ""), ("metric_sources", ""),
              ("metric_org_sources", ""), ("metric_attribution", ""),
              ("metric_org_attribution", ""), ("metric_dims", ""), ("metric_org_dims", ""),
              ("metric_leaders", " AND span = 1"), ("metric_conversions", ""))
_LEADER_SUMS = ("clicks", "conversions", "commission_cents")


async def lock_orgs(conn: Conn, org_ids: list[uuid.UUID], *, shared: bool) -> None:
    """The live path holds its orgs' lock shared, a rebuild's day holds its org's exclusively:
    a day is rebuilt between batches, never beside one (its DELETE would erase what a batch
    adds, or a batch would add to rows the rebuild then counts again). In id order, so two
    batches never deadlock."""
    kind = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    await conn.execute(
        f"SELECT {kind}(hashtextextended('metrics:' || o::text, 0)) "
        "FROM unnest($1::uuid[]) AS o ORDER BY o", sorted(set(org_ids)))


@dataclass(frozen=True, slots=True)
class Plan:
    first_day: date
    last_day: date
    next_day: date
    finished: bool


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), UTC)
    return start, start + timedelta(days=1)


class RebuildStore:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def plan_of(self, org_id: uuid.UUID) -> Plan | None:
        row = await self.conn.fetchrow(
            "SELECT first_day, last_day, next_day, finished_at IS NOT NULL AS finished "
            "FROM metric_rebuilds WHERE org_id = $1 FOR UPDATE", org_id)
        return None if row is None else Plan(**dict(row))

    async def start(self, org_id: uuid.UUID, first: date, last: date) -> None:
        await self.conn.execute(
            "INSERT INTO metric_rebuilds (org_id, first_day, last_day, next_day, started_at, "
            "updated_at) VALUES ($1, $2, $3, $2, $4, $4) ON CONFLICT (org_id) DO UPDATE SET "
            "first_day = $2, last_day = $3, next_day = $2, started_at = $4, updated_at = $4, "
            "finished_at = NULL", org_id, first, last, now_utc())

    async def advance(self, org_id: uuid.UUID, day: date) -> date:
        found: date = await self.conn.fetchval(
            "UPDATE metric_rebuilds SET next_day = $2::date + 1, updated_at = $3::timestamptz, "
            "finished_at = CASE WHEN $2::date >= last_day THEN $3::timestamptz END "
            "WHERE org_id = $1 RETURNING next_day",
            org_id, day, now_utc())
        return found

    async def first_data_day(self, org_id: uuid.UUID) -> date | None:
        """The day of the org's first conversion or first rollup row (a payout, a click)."""
        found: date | None = await self.conn.fetchval(
            "SELECT least((SELECT min(created_at) FROM conversions WHERE org_id = $1)::date, "
            "(SELECT min(day) FROM metric_days WHERE org_id = $1))", org_id)
        return found

    async def take_back_day(self, org_id: uuid.UUID, day: date) -> None:
        """The day's rows out of every grain: first out of the leaderboard's week rows, then
        deleted (what the day holds is then rebuilt through the one write path)."""
        sums = ", ".join(f"{c} = w.{c} - d.{c}" for c in _LEADER_SUMS)
        await self.conn.execute(
            f"UPDATE metric_leaders w SET {sums} FROM metric_leaders d "
            "WHERE d.org_id = $1 AND d.span = 1 AND d.day = $2 AND w.org_id = $1 "
            "AND w.span = 7 AND w.day = $3 AND w.program_id = d.program_id "
            "AND w.affiliate_id = d.affiliate_id AND w.currency = d.currency",
            org_id, day, day - timedelta(days=day.weekday()))
        for table, condition in DAY_TABLES:
            await self.conn.execute(
                f"DELETE FROM {table} WHERE org_id = $1 AND day = $2{condition}", org_id, day)

    async def conversions_of_day(self, org_id: uuid.UUID, day: date) -> list[Conversion]:
        """The day's conversions with the figures the live path counts: net of the partial
        refunds they had (``conversion.refunded`` takes back what those left)."""
        refunds = ", ".join(f"r.{c} AS refund_{c}" for c in REFUND_COLUMNS)
        rows = await self.conn.fetch(
            f"SELECT c.*, {refunds} FROM conversions c "
            "LEFT JOIN conversion_refunds r ON r.conversion_id = c.id WHERE c.org_id = $1 "
            "AND c.created_at >= $2 AND c.created_at < $3 ORDER BY c.created_at, c.id",
            org_id, *_bounds(day))
        return [_net_of_refunds(r) for r in rows]

    async def customer_first_days(self, org_id: uuid.UUID, customers: list[str]
                                  ) -> dict[str, date]:
        rows = await self.conn.fetch(
            "SELECT customer, first_day FROM metric_customers WHERE org_id = $1 "
            "AND customer = ANY($2::text[])", org_id, customers)
        return {r[0]: r[1] for r in rows}

    async def saw_customers(self, org_id: uuid.UUID, customers: list[str], day: date) -> None:
        await self.conn.execute(
            "INSERT INTO metric_customers AS m (org_id, customer, first_day) SELECT $1, c, $3 "
            "FROM unnest($2::text[]) AS c ON CONFLICT (org_id, customer) DO UPDATE SET "
            "first_day = least(m.first_day, EXCLUDED.first_day)", org_id, sorted(customers), day)

    async def remember_payouts(self, payout_ids: list[uuid.UUID]) -> None:
        """These payouts are in the rollups now: their ``payout.paid``, if it is still on its
        way, adds nothing (the live path remembers payouts by id too)."""
        await self.conn.execute(
            "INSERT INTO metric_events (event_id, applied_at) SELECT unnest($1::uuid[]), $2 "
            "ON CONFLICT DO NOTHING", payout_ids, now_utc())


def _net_of_refunds(row: asyncpg.Record) -> Conversion:
    found = conversion_from(row)
    if row["refund_conversion_id"] is None:
        return found
    progress = RefundProgress(**{c: row[f"refund_{c}"] for c in REFUND_COLUMNS})
    return partial_refunds.net_of_refunds(found, progress)
