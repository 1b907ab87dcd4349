"""SQL for conversions and their events timeline. Sales are unique per (org, externalEventId):
inserting one twice is a no-op that reports the row already there."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from libs.shared.db import Conn
from libs.shared.pagination import Cursor
from services.ledger.conversions.adapters.disputes_repository import held_by_dispute
from services.ledger.conversions.domain.model import Conversion, ConversionEvent

COLUMNS = [f.name for f in dataclasses.fields(Conversion)]
EVENT_COLUMNS = [f.name for f in dataclasses.fields(ConversionEvent)]
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM conversions"


def _insert(table: str, columns: list[str]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(f'${i + 1}' for i in range(len(columns)))})")


# PostgreSQL types of the columns, for the one-statement inserts of many rows (unnest).
_TYPES = {"id": "uuid", "org_id": "uuid", "program_id": "uuid", "affiliate_id": "uuid",
          "amount_cents": "int8", "commission_cents": "int8",
          "parent_affiliate_conversion_id": "uuid", "conversion_id": "uuid",
          "created_at": "timestamptz", "approved_at": "timestamptz",
          "refunded_at": "timestamptz", "approve_after": "timestamptz",
          "occurred_at": "timestamptz"}


def _insert_many(table: str, columns: list[str]) -> str:
    arrays = ", ".join(f"${i + 1}::{_TYPES.get(c, 'text')}[]" for i, c in enumerate(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"


# The list's and the export's filters, one statement: createdAt in [since, until), rows after
# the cursor in (createdAt, id) order.
_FILTERED = (
    _SELECT + " WHERE org_id = $1"
    " AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3::uuid))"
    " AND ($4::uuid IS NULL OR affiliate_id = $4)"
    " AND ($5::uuid IS NULL OR program_id = $5)"
    " AND ($6::text IS NULL OR status = $6)"
    " AND ($7::timestamptz IS NULL OR created_at >= $7)"
    " AND ($8::timestamptz IS NULL OR created_at < $8)")


@dataclass(frozen=True, slots=True)
class ConversionFilter:
    org_id: uuid.UUID
    affiliate_id: uuid.UUID | None
    program_id: uuid.UUID | None
    status: str | None
    since: datetime | None
    until: datetime | None

    def args(self, after: Cursor | None) -> list[object]:
        return [self.org_id, after.created_at if after else None, after.id if after else None,
                self.affiliate_id, self.program_id, self.status, self.since, self.until]


def conversion_from(row: asyncpg.Record) -> Conversion:
    return Conversion(**{c: row[c] for c in COLUMNS})


def event_from(row: asyncpg.Record) -> ConversionEvent:
    return ConversionEvent(**{c: row[c] for c in EVENT_COLUMNS})


def cursor_of(c: Conversion) -> Cursor:
    return Cursor(c.created_at, c.id)


class ConversionsRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def add(self, c: Conversion) -> bool:
        """False when (org, externalEventId) is already booked: the caller dedupes."""
        inserted = await self.conn.fetchval(
            _insert("conversions", COLUMNS)
            + " ON CONFLICT (org_id, external_event_id) WHERE external_event_id IS NOT NULL"
            " AND parent_affiliate_conversion_id IS NULL DO NOTHING RETURNING true",
            *[getattr(c, col) for col in COLUMNS])
        return bool(inserted)

    async def add_many(self, rows: list[Conversion]) -> None:
        """Insert rows the caller knows are new (it holds their keys' locks), in one
        statement."""
        await self.conn.execute(_insert_many("conversions", COLUMNS),
                                *[[getattr(c, col) for c in rows] for col in COLUMNS])

    async def add_events(self, events: list[ConversionEvent]) -> None:
        await self.conn.execute(_insert_many("conversion_events", EVENT_COLUMNS),
                                *[[getattr(e, col) for e in events] for col in EVENT_COLUMNS])

    async def add_new(self, rows: list[Conversion]) -> set[uuid.UUID]:
        """Insert the sale rows that collide with nothing booked (same id, or the same
        (org, externalEventId) sale key), in one statement; returns the ids inserted. The
        unique indexes decide, not a lookup the planner could turn into a scan of the org's
        rows (a plan cached while the table was small did exactly that)."""
        inserted = await self.conn.fetch(
            _insert_many("conversions", COLUMNS) + " ON CONFLICT DO NOTHING RETURNING id",
            *[[getattr(c, col) for c in rows] for col in COLUMNS])
        return {r["id"] for r in inserted}

    async def booked(self, org_id: uuid.UUID, conversion_id: uuid.UUID,
                     external_event_id: str) -> bool:
        """Whether a sale is already booked under either of its keys."""
        return bool(await self.conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM conversions WHERE id = $2 OR (org_id = $1 AND "
            "external_event_id = $3 AND parent_affiliate_conversion_id IS NULL))",
            org_id, conversion_id, external_event_id))

    async def sale_for_update(self, org_id: uuid.UUID, external_event_id: str
                              ) -> Conversion | None:
        row = await self.conn.fetchrow(
            _SELECT + " WHERE org_id = $1 AND external_event_id = $2"
            " AND parent_affiliate_conversion_id IS NULL FOR UPDATE", org_id, external_event_id)
        return conversion_from(row) if row else None

    async def override_for_update(self, parent_id: uuid.UUID) -> Conversion | None:
        row = await self.conn.fetchrow(
            _SELECT + " WHERE parent_affiliate_conversion_id = $1 FOR UPDATE", parent_id)
        return conversion_from(row) if row else None

    async def set_refunded(self, c: Conversion) -> None:
        await self.conn.execute(
            "UPDATE conversions SET status = $2, refunded_at = $3 WHERE id = $1",
            c.id, c.status, c.refunded_at)

    async def subscription_initial(self, org_id: uuid.UUID, subscription_id: str
                                   ) -> Conversion | None:
        """The subscription's first booked sale (its timeline's anchor), or None if unseen."""
        row = await self.conn.fetchrow(
            _SELECT + " WHERE org_id = $1 AND stripe_subscription_id = $2"
            " AND parent_affiliate_conversion_id IS NULL ORDER BY created_at, id LIMIT 1",
            org_id, subscription_id)
        return conversion_from(row) if row else None

    async def subscription_events(self, org_id: uuid.UUID, subscription_id: str
                                  ) -> list[ConversionEvent]:
        """The timeline of every sale of one subscription: initial, renewals, refunds."""
        rows = await self.conn.fetch(
            f"SELECT {', '.join('e.' + c for c in EVENT_COLUMNS)} FROM conversion_events e "
            "JOIN conversions c ON c.id = e.conversion_id WHERE c.org_id = $1"
            " AND c.stripe_subscription_id = $2 AND c.parent_affiliate_conversion_id IS NULL"
            " ORDER BY e.occurred_at, e.id", org_id, subscription_id)
        return [event_from(r) for r in rows]

    async def add_event(self, e: ConversionEvent) -> None:
        await self.conn.execute(_insert("conversion_events", EVENT_COLUMNS),
                                *[getattr(e, col) for col in EVENT_COLUMNS])

    async def get(self, org_id: uuid.UUID, conversion_id: uuid.UUID) -> Conversion | None:
        row = await self.conn.fetchrow(_SELECT + " WHERE org_id = $1 AND id = $2",
                                       org_id, conversion_id)
        return conversion_from(row) if row else None

    async def events(self, conversion_id: uuid.UUID) -> list[ConversionEvent]:
        rows = await self.conn.fetch(
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM conversion_events "
            "WHERE conversion_id = $1 ORDER BY occurred_at, id", conversion_id)
        return [event_from(r) for r in rows]

    async def page(self, where: ConversionFilter, after: Cursor | None, limit: int
                   ) -> list[Conversion]:
        """Up to ``limit`` matching rows after ``after``, oldest first."""
        rows = await self.conn.fetch(_FILTERED + " ORDER BY created_at, id LIMIT $9",
                                     *where.args(after), limit)
        return [conversion_from(r) for r in rows]

    async def count_up_to(self, where: ConversionFilter, limit: int) -> int:
        """How many rows match, counting no further than ``limit``."""
        return int(await self.conn.fetchval(
            f"SELECT count(*) FROM ({_FILTERED} LIMIT $9) AS matching", *where.args(None),
            limit))

    async def approve_due(self, now: datetime, limit: int) -> list[Conversion]:
        """Approve up to ``limit`` Pending rows whose grace period ended; replicas running this
        at once take disjoint rows (SKIP LOCKED). A locked row (imported history) is never
        payable, so never approved: one such row due would otherwise fail every round's
        batch on the CHECK and stop all approvals. A row an open dispute holds waits: it is
        approved by the first round after the dispute is won."""
        rows = await self.conn.fetch(
            "UPDATE conversions SET status = 'Approved', approved_at = $1 WHERE id IN ("
            "SELECT id FROM conversions WHERE status = 'Pending' AND approve_after <= $1 "
            f"AND NOT locked AND NOT {held_by_dispute('conversions')} "
            "ORDER BY approve_after LIMIT $2 FOR UPDATE SKIP LOCKED) "
            f"RETURNING {', '.join(COLUMNS)}", now, limit)
        return [conversion_from(r) for r in rows]

