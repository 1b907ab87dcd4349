"""SQL for conversions in bulk: what an import batch needs to know (affiliates, keys and
externalIds already booked), set-based inserts of the rows and their timeline events, and
removing what an import job created."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from libs.shared.db import Conn
from services.ledger.conversions.domain.imports import Lookup
from services.ledger.domain.errors import ImportRevertBlocked

_INSERT = """
INSERT INTO conversions (id, org_id, program_id, affiliate_id, amount_cents, currency,
    commission_cents, status, type, external_event_id, stripe_subscription_id,
    stripe_customer_id, customer_email, customer_name, attribution_method, created_at,
    approved_at, locked, import_job_id, import_key)
SELECT u.id, $1, $2, u.affiliate_id, u.amount, u.currency, u.commission, u.status, u.type,
    u.external_id, u.subscription, u.customer, u.email, u.name, $3, u.created_at, u.approved_at,
    u.locked, $4, u.key
FROM unnest($5::uuid[], $6::uuid[], $7::bigint[], $8::text[], $9::bigint[], $10::text[],
            $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],
            $17::timestamptz[], $18::timestamptz[], $19::boolean[], $20::text[])
     AS u(id, affiliate_id, amount, currency, commission, status, type, external_id,
          subscription, customer, email, name, created_at, approved_at, locked, key)
ON CONFLICT DO NOTHING
RETURNING id"""
_INSERT_EVENTS = """
INSERT INTO conversion_events (id, conversion_id, event_type, amount_cents, commission_cents,
                               occurred_at)
SELECT u.event_id, c.id, 'initial', c.amount_cents, c.commission_cents, c.created_at
FROM unnest($1::uuid[], $2::uuid[]) AS u(conversion_id, event_id)
JOIN conversions c ON c.id = u.conversion_id"""


@dataclass(frozen=True, slots=True)
class NewConversion:
    """One imported row as stored."""

    id: uuid.UUID
    affiliate_id: uuid.UUID
    amount_cents: int
    currency: str
    commission_cents: int
    status: str
    type: str
    external_id: str | None
    stripe_subscription_id: str | None
    stripe_customer_id: str | None
    customer_email: str | None
    customer_name: str | None
    created_at: datetime
    approved_at: datetime | None
    locked: bool
    key: str


class ConversionImportsRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def lookup(self, org_id: uuid.UUID, program_id: uuid.UUID, emails: list[str],
                     slugs: list[str], keys: list[str], external_ids: list[str]) -> Lookup:
        by_email = await self.conn.fetch(
            "SELECT email, id FROM affiliates WHERE org_id = $1 AND program_id = $2 "
            "AND email = ANY($3::text[]) AND deleted_at IS NULL", org_id, program_id, emails)
        by_slug = await self.conn.fetch(
            "SELECT l.slug, a.id FROM affiliate_links l JOIN affiliates a ON a.id = "
            "l.affiliate_id AND a.deleted_at IS NULL WHERE l.slug = ANY($3::text[]) "
            "AND a.org_id = $1 AND a.program_id = $2", org_id, program_id, slugs)
        imported = await self.conn.fetch(
            "SELECT import_key FROM conversions WHERE org_id = $1 AND program_id = $2 "
            "AND import_key = ANY($3::text[])", org_id, program_id, keys)
        booked = await self.conn.fetch(
            "SELECT external_event_id FROM conversions WHERE org_id = $1 "
            "AND external_event_id = ANY($2::text[])", org_id, external_ids)
        return Lookup(by_email={r["email"]: r["id"] for r in by_email},
                      by_slug={r["slug"]: r["id"] for r in by_slug},
                      imported_keys=frozenset(r["import_key"] for r in imported),
                      booked_external_ids=frozenset(r["external_event_id"] for r in booked))

    async def add(self, org_id: uuid.UUID, program_id: uuid.UUID, job_id: uuid.UUID,
                  method: str, rows: list[NewConversion]) -> set[uuid.UUID]:
        """Inserts them all in one statement; returns the ids inserted (a key or externalId
        booked by another writer meanwhile is left out, never booked twice)."""
        if not rows:
            return set()
        columns = [[getattr(r, name) for r in rows] for name in (
            "id", "affiliate_id", "amount_cents", "currency", "commission_cents", "status",
            "type", "external_id", "stripe_subscription_id", "stripe_customer_id",
            "customer_email", "customer_name", "created_at", "approved_at", "locked", "key")]
        inserted = await self.conn.fetch(_INSERT, org_id, program_id, method, job_id, *columns)
        return {r["id"] for r in inserted}

    async def add_initial_events(self, pairs: list[tuple[uuid.UUID, uuid.UUID]]) -> None:
        """One ``initial`` timeline event per (conversion id, event id)."""
        if pairs:
            await self.conn.execute(_INSERT_EVENTS, [c for c, _ in pairs], [e for _, e in pairs])

    async def set_job_money(self, job_id: uuid.UUID, *, confirm_unpaid_payout: bool,
                            exclude_paid: bool, unpaid_confirmed_cents: int) -> None:
        await self.conn.execute(
            "UPDATE migration_jobs SET confirm_unpaid_payout = $2, exclude_paid = $3, "
            "unpaid_confirmed_cents = $4 WHERE id = $1", job_id, confirm_unpaid_payout,
            exclude_paid, unpaid_confirmed_cents)

    async def moved_since_import(self, job_id: uuid.UUID) -> int:
        """How many of the job's rows left the state an import gives (Paid or Pending locked,
        Approved unlocked): paid out, refunded or denied since."""
        return int(await self.conn.fetchval(
            "SELECT count(*) FROM conversions WHERE import_job_id = $1 AND NOT (status = 'Paid' "
            "AND locked OR status = 'Pending' AND locked OR status = 'Approved' AND NOT locked)",
            job_id))

    async def mark_reverted(self, job_id: uuid.UUID, *, removed: int) -> None:
        await self.conn.execute(
            "UPDATE migration_jobs SET reverted_conversions = $2 WHERE id = $1", job_id, removed)

    async def job_conversion_ids(self, job_id: uuid.UUID) -> list[uuid.UUID]:
        return [r[0] for r in await self.conn.fetch(
            "SELECT id FROM conversions WHERE import_job_id = $1", job_id)]

    async def remove_job(self, job_id: uuid.UUID) -> int:
        """Deletes the job's conversions and their timelines; refused when other records
        (overrides, payout lines) point at them."""
        try:
            await self.conn.execute(
                "DELETE FROM conversion_events WHERE conversion_id IN "
                "(SELECT id FROM conversions WHERE import_job_id = $1)", job_id)
            return int(await self.conn.fetchval(
                "WITH gone AS (DELETE FROM conversions WHERE import_job_id = $1 RETURNING 1) "
                "SELECT count(*) FROM gone", job_id))
        except asyncpg.ForeignKeyViolationError:
            raise ImportRevertBlocked("conversions of this import are referenced by other "
                                      "records; the import cannot be reverted") from None
