"""The rows ``payouts_run`` pays and its baseline writes, straight into the bench database.

Set-up writes the ledger's rows with SQL (generated inside PostgreSQL, about 2 s for 10,000
affiliates and 100,000 commissions) instead of through the API: booking 100,000 sales over S2S
and waiting out their grace days would take minutes per repetition and measure nothing the run
does. The rows satisfy the ledger's constraints and the payables filter (Approved, unclaimed, not
locked, approve_after past, booked inside the run's period)."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg

from bench.common import BenchError

AFFILIATES = 10_000
PER_AFFILIATE = 10
CONVERSIONS = AFFILIATES * PER_AFFILIATE
# The run's period: the last week (UTC days); every seeded row is booked in its last 5 days.
PERIOD_DAYS = 7

_AFFILIATES_SQL = """
INSERT INTO ledger.affiliates (id, org_id, program_id, email, full_name, status, source,
                               approved_at, created_at, updated_at)
SELECT gen_random_uuid(), $1, $2, 'payee' || g || '@' || $3::text || '.bench.example',
       'Payee ' || g, 'Approved', 'Direct', $4::timestamptz, $4, $4
FROM generate_series(1, $5::int) AS g"""
# Commissions of 1.00 to 20.99 USD, booked at spread-out moments of the last 5 days.
_CONVERSIONS_SQL = """
INSERT INTO ledger.conversions (id, org_id, program_id, affiliate_id, amount_cents, currency,
                                commission_cents, status, type, created_at, approved_at,
                                approve_after)
SELECT gen_random_uuid(), $1, $2, a.id, 5 * c.cents, 'USD', c.cents, 'Approved', 'OneTime',
       c.at, $3::timestamptz, c.at
FROM ledger.affiliates a CROSS JOIN generate_series(1, $4::int) AS n
CROSS JOIN LATERAL (
    SELECT 100 + abs(hashtext(a.id::text || n)) % 2000 AS cents,
           $3::timestamptz - abs(hashtext(n || a.id::text)) % 7200 * interval '1 minute' AS at
) AS c
WHERE a.org_id = $1"""


@dataclass(frozen=True, slots=True)
class Seeded:
    org_id: uuid.UUID
    total_cents: int
    period_start: date
    period_end: date


async def seed(dsn: str, org_id: str, program_id: str) -> Seeded:
    """10,000 Approved affiliates with 10 Approved USD commissions each, in one transaction."""
    org, program, now = uuid.UUID(org_id), uuid.UUID(program_id), datetime.now(UTC)
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(_AFFILIATES_SQL, org, program, org.hex[:12], now, AFFILIATES)
            await conn.execute(_CONVERSIONS_SQL, org, program, now, PER_AFFILIATE)
        total = await conn.fetchval(
            "SELECT sum(commission_cents)::bigint FROM ledger.conversions WHERE org_id = $1",
            org)
        await conn.execute("ANALYZE ledger.affiliates; ANALYZE ledger.conversions")
    finally:
        await conn.close()
    today = now.date()
    return Seeded(org, int(total), today - timedelta(days=PERIOD_DAYS - 1), today)


async def paid_payouts(conn: asyncpg.Connection, run_id: uuid.UUID) -> int:
    """How many of the run's payouts the ledger has settled (their rows turned Paid in the
    same transaction): cheaper to poll than counting 100,000 conversions."""
    return int(await conn.fetchval(
        "SELECT count(*) FROM ledger.claimed_payouts WHERE run_id = $1 AND state = 'Paid'",
        run_id))


async def wait_drained(dsn: str, vhost: str, timeout: float = 180.0) -> None:
    """Until both outboxes are relayed and every bench queue is empty: the next repetition
    starts on an idle stack, not beside the last one's 120,000 events."""
    deadline = time.monotonic() + timeout
    conn = await asyncpg.connect(dsn)
    try:
        while await conn.fetchval("SELECT (SELECT count(*) FROM ledger.outbox) "
                                  "+ (SELECT count(*) FROM payouts.outbox)"):
            if time.monotonic() > deadline:
                raise BenchError(f"the outboxes did not drain within {timeout:.0f} s")
            await asyncio.sleep(0.2)
    finally:
        await conn.close()
    while not await asyncio.to_thread(_queues_empty, vhost):
        if time.monotonic() > deadline:
            raise BenchError(f"the bench queues did not drain within {timeout:.0f} s")
        await asyncio.sleep(0.3)


def _queues_empty(vhost: str) -> bool:
    listing = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost, "messages"],
                             capture_output=True, text=True, timeout=30, check=False)
    return listing.returncode == 0 and not any(int(n) for n in listing.stdout.split()
                                               if n.isdigit())

