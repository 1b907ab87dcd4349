"""SQL for booking attributed events: the credited affiliate's terms, per-key transaction locks,
a subscription's renewals, and refunds parked until their sale is booked."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from libs.contracts.attributed import AcceptedRefund
from libs.shared.db import Conn
from services.ledger.conversions.adapters.targets import target_from
from services.ledger.conversions.domain.booking import Target
from services.ledger.conversions.domain.recurring import RecurringTerms

# The affiliate as the ledger knows it, soft-deleted or not: tracking accepted the sale while
# the link was live, so it is owed. Its recruiter only earns while not deleted. A Banned one's
# row is booked Denied (services/ledger/conversions/domain/denials.py).
_TARGET = (
    "SELECT a.id AS affiliate_id, a.org_id, a.program_id, a.custom_commission_type, "
    "a.custom_commission_value, a.status AS affiliate_status, r.id AS recruiter_id, "
    "r.status AS recruiter_status, p.default_commission_type, "
    "p.default_commission_value, p.default_commission_model, p.sub_affiliate_enabled, "
    "p.sub_affiliate_percent, p.commission_includes_tax, p.recurring_months, "
    "p.recurring_delay_invoices "
    "FROM affiliates a JOIN programs p ON p.id = a.program_id "
    "LEFT JOIN affiliates r ON r.id = a.recruited_by_affiliate_id AND r.deleted_at IS NULL ")


@dataclass(frozen=True, slots=True)
class RenewalRow:
    initial_conversion_id: uuid.UUID
    conversion_id: uuid.UUID | None  # the payable row, when it earned
    amount_cents: int
    refunded_at: datetime | None


class BookingRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def lock(self, org_id: uuid.UUID, key: str) -> None:
        """Serialise transactions on one (org, key) until commit: a sale and its refund, or two
        sales of one subscription, never interleave."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                                f"{org_id}:{key}")

    async def lock_many(self, keys: list[tuple[uuid.UUID, str]]) -> None:
        """``lock`` for many keys in one statement, in one global order (two batches that share
        keys queue behind each other instead of deadlocking)."""
        await self.conn.execute(
            "SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h "
            "FROM unnest($1::text[]) AS k ORDER BY h) AS ordered",
            [f"{org_id}:{key}" for org_id, key in keys])

    async def lock_affiliates(self, affiliate_ids: set[uuid.UUID]) -> None:
        """Hold the credited affiliates and their recruiters (KEY SHARE, in id order) until
        commit; call before reading their status. A ban (which locks the affiliate FOR UPDATE
        and denies its unpaid rows) either commits first, and the status read says Banned, or
        waits for this booking and then denies what it booked. ``book_batch`` takes them for a
        whole burst before it locks any conversion row, so a ban, which waits on conversion
        rows, is never waited on by a booking that holds one."""
        # The ids as one array (an init plan), so the lock is primary-key probes whatever
        # the statistics say, never a scan of the table.
        await self.conn.execute(
            "SELECT 1 FROM affiliates WHERE id = ANY(ARRAY(SELECT unnest($1::uuid[]) UNION "
            "SELECT recruited_by_affiliate_id FROM affiliates WHERE id = ANY($1))) "
            "ORDER BY id FOR KEY SHARE", list(affiliate_ids))

    async def targets(self, affiliate_ids: set[uuid.UUID]) -> dict[uuid.UUID, Target]:
        """The terms of many affiliates at once (the caller checks each one's org)."""
        rows = await self.conn.fetch(
            _TARGET + "WHERE a.id = ANY($1)", list(affiliate_ids))
        return {r["affiliate_id"]: target_from(r) for r in rows}

    async def target(self, org_id: uuid.UUID, affiliate_id: uuid.UUID
                     ) -> tuple[Target, RecurringTerms] | None:
        row = await self.conn.fetchrow(_TARGET + "WHERE a.org_id = $1 AND a.id = $2", org_id,
                                       affiliate_id)
        if row is None:
            return None
        return target_from(row), RecurringTerms(row["recurring_months"],
                                                row["recurring_delay_invoices"])

    # ---- renewals --------------------------------------------------------------------------
    async def renewal_count(self, org_id: uuid.UUID, subscription_id: str) -> int:
        return int(await self.conn.fetchval(
            "SELECT coalesce(max(renewal_number), 0) FROM subscription_renewals "
            "WHERE org_id = $1 AND subscription_id = $2", org_id, subscription_id))

    async def renewal(self, org_id: uuid.UUID, external_event_id: str) -> RenewalRow | None:
        row = await self.conn.fetchrow(
            "SELECT initial_conversion_id, conversion_id, amount_cents, refunded_at FROM "
            "subscription_renewals WHERE org_id = $1 AND external_event_id = $2 FOR UPDATE",
            org_id, external_event_id)
        return RenewalRow(**dict(row)) if row else None

    async def add_renewal(self, org_id: uuid.UUID, external_event_id: str, subscription_id: str,
                          number: int, row: RenewalRow, occurred_at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO subscription_renewals (org_id, external_event_id, subscription_id, "
            "renewal_number, initial_conversion_id, conversion_id, amount_cents, occurred_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", org_id, external_event_id,
            subscription_id, number, row.initial_conversion_id, row.conversion_id,
            row.amount_cents, occurred_at)

    async def set_renewal_refunded(self, org_id: uuid.UUID, external_event_id: str,
                                   at: datetime) -> None:
        await self.conn.execute(
            "UPDATE subscription_renewals SET refunded_at = $3 WHERE org_id = $1 "
            "AND external_event_id = $2", org_id, external_event_id, at)

    # ---- refunds waiting for their sale ----------------------------------------------------
    async def parked(self, org_id: uuid.UUID, sale_external_event_id: str
                     ) -> AcceptedRefund | None:
        row = await self.conn.fetchrow(
            f"SELECT {_PARKED} FROM parked_refunds WHERE org_id = $1 "
            "AND sale_external_event_id = $2", org_id, sale_external_event_id)
        return _parked_refund(row) if row else None

    async def park(self, refund: AcceptedRefund, now: datetime) -> None:
        """Keep ``refund`` for its sale, in place of one parked before (the caller decides it
        is the larger share)."""
        await self.conn.execute(
            "INSERT INTO parked_refunds (org_id, sale_external_event_id, external_event_id, "
            "occurred_at, parked_at, refunded_cents, paid_cents) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, sale_external_event_id) "
            "DO UPDATE SET external_event_id = $3, occurred_at = $4, parked_at = $5, "
            "refunded_cents = $6, paid_cents = $7",
            refund.org_id, refund.sale_external_event_id, refund.external_event_id,
            refund.occurred_at, now, refund.refunded_cents, refund.paid_cents)

    async def take_parked_many(self, sales: list[tuple[uuid.UUID, str]]
                               ) -> list[AcceptedRefund]:
        rows = await self.conn.fetch(
            "DELETE FROM parked_refunds p USING unnest($1::uuid[], $2::text[]) AS s(org, ext) "
            "WHERE p.org_id = s.org AND p.sale_external_event_id = s.ext "
            f"RETURNING {', '.join('p.' + c for c in _PARKED.split(', '))}",
            [org for org, _ in sales], [ext for _, ext in sales])
        return [_parked_refund(r) for r in rows]

    async def take_parked(self, org_id: uuid.UUID, sale_external_event_id: str
                          ) -> AcceptedRefund | None:
        row = await self.conn.fetchrow(
            "DELETE FROM parked_refunds WHERE org_id = $1 AND sale_external_event_id = $2 "
            f"RETURNING {_PARKED}", org_id, sale_external_event_id)
        return _parked_refund(row) if row else None


_PARKED = ("org_id, external_event_id, sale_external_event_id, occurred_at, refunded_cents, "
           "paid_cents")


def _parked_refund(row: asyncpg.Record) -> AcceptedRefund:
    return AcceptedRefund(org_id=row["org_id"], external_event_id=row["external_event_id"],
                          sale_external_event_id=row["sale_external_event_id"],
                          occurred_at=row["occurred_at"], refunded_cents=row["refunded_cents"],
                          paid_cents=row["paid_cents"])
