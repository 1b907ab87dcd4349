"""SQL for the embedded dashboard: the affiliate and its program's name, its commission by
UTC day and currency (paid, and not paid yet), and its latest sales."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import asyncpg

from libs.shared.db import Conn

# Every commission row of the affiliate (sales, leads, click rewards, bonuses, overrides), on
# the UTC day it was booked as the rollups date it. Unpaid: Pending and Approved; a locked
# Pending row is imported history nobody will ever pay (the memberships' balances agree).
_DAY_SUMS = """
SELECT (created_at AT TIME ZONE 'UTC')::date AS day, currency,
       coalesce(sum(commission_cents) FILTER (WHERE status = 'Paid'), 0)::bigint AS paid,
       coalesce(sum(commission_cents) FILTER (WHERE status = 'Approved'
                                              OR (status = 'Pending' AND NOT locked)), 0
               )::bigint AS unpaid
FROM conversions
WHERE org_id = $1 AND affiliate_id = $2 AND status IN ('Pending', 'Approved', 'Paid')
GROUP BY 1, 2"""

# Sales only (an override beside a sale is the recruiter's commission, not a sale), newest
# first: the (affiliate_id, created_at) index read backwards.
_RECENT_SALES = """
SELECT id, amount_cents, commission_cents, currency, status, created_at FROM conversions
WHERE affiliate_id = $2 AND org_id = $1 AND type IN ('OneTime', 'Recurring')
  AND parent_affiliate_conversion_id IS NULL
ORDER BY created_at DESC, id DESC LIMIT $3"""


@dataclass(frozen=True, slots=True)
class DaySum:
    day: date
    currency: str
    paid_cents: int
    unpaid_cents: int


async def member(conn: Conn, org_id: uuid.UUID, affiliate_id: uuid.UUID
                 ) -> asyncpg.Record | None:
    """The live affiliate's ``full_name`` and its program's ``program_name``; None when it is
    deleted or not the org's."""
    return await conn.fetchrow(
        "SELECT a.full_name, p.name AS program_name FROM affiliates a "
        "JOIN programs p ON p.id = a.program_id "
        "WHERE a.org_id = $1 AND a.id = $2 AND a.deleted_at IS NULL", org_id, affiliate_id)


async def day_sums(conn: Conn, org_id: uuid.UUID, affiliate_id: uuid.UUID) -> list[DaySum]:
    return [DaySum(r["day"], r["currency"], r["paid"], r["unpaid"])
            for r in await conn.fetch(_DAY_SUMS, org_id, affiliate_id)]


async def recent_sales(conn: Conn, org_id: uuid.UUID, affiliate_id: uuid.UUID, limit: int
                       ) -> list[asyncpg.Record]:
    return list(await conn.fetch(_RECENT_SALES, org_id, affiliate_id, limit))
