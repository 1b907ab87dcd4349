"""Payout runs under the fault harness: while sales flow and services die, the sellers' orgs
pay out again and again (Manual runs, as an operator retrying through errors would: the same
``Idempotency-Key`` after a 5xx or a dropped connection, a fresh preview after a 409). At the
end, one last round pays everything left, and ``payout_books`` checks that no commission was
paid twice and none was lost."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg

from bench.stack import Seller

# The grace days pass at once: every booked sale becomes payable at the next round.
APPROVE = ("UPDATE ledger.conversions SET status = 'Approved' WHERE status = 'Pending' "
           "AND org_id = ANY($1::uuid[])")
RETRIES = 20


@dataclass
class Payouts:
    runs: int = 0  # runs answered 200
    paid: int = 0  # payouts those runs made
    refused: dict[int, int] = field(default_factory=dict)  # status -> answers


def selection(confirm: int | None = None) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    body: dict[str, Any] = {"method": "Manual", "affiliateIds": None,
                            "periodStart": (today - timedelta(days=1)).isoformat(),
                            "periodEnd": (today + timedelta(days=1)).isoformat()}
    if confirm is not None:
        body["confirmTotalCents"] = confirm
    return body


async def pay_round(session: aiohttp.ClientSession, base_url: str, who: Seller,
                    record: Payouts) -> None:
    """Preview then run until one run is answered 200 (or the retries run out)."""
    headers = {**who.org.auth, "Content-Type": "application/json"}
    key: str | None = None
    confirm: int | None = None
    for _ in range(RETRIES):
        try:
            if confirm is None:
                async with session.post(f"{base_url}/api/v1/payouts/preview",
                                        json=selection(), headers=headers) as response:
                    if response.status != 200:
                        record.refused[response.status] = record.refused.get(response.status,
                                                                             0) + 1
                        await asyncio.sleep(0.5)
                        continue
                    confirm = (await response.json())["totalCents"]
                    key = str(uuid.uuid4())
            async with session.post(f"{base_url}/api/v1/payouts/run",
                                    json=selection(confirm),
                                    headers={**headers, "Idempotency-Key": str(key)}) as response:
                if response.status == 200:
                    record.runs += 1
                    record.paid += len(await response.json())
                    return
                record.refused[response.status] = record.refused.get(response.status, 0) + 1
                if response.status == 409:  # the total moved (or the first is still running)
                    confirm = None
        except (TimeoutError, aiohttp.ClientError):
            pass  # the same key again: the first may have run
        await asyncio.sleep(0.5)


async def approve_all(dsn: str, sellers: list[Seller]) -> None:
    with contextlib.suppress(OSError, asyncpg.PostgresError):
        conn = await asyncpg.connect(dsn, timeout=2)
        try:
            await conn.execute(APPROVE, [uuid.UUID(s.org.org_id) for s in sellers])
        finally:
            await conn.close()


async def payout_loop(base_url: str, dsn: str, sellers: list[Seller], done: asyncio.Event,
                      record: Payouts, every: float = 2.0) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        while not done.is_set():
            await approve_all(dsn, sellers)
            await asyncio.gather(*(pay_round(session, base_url, s, record) for s in sellers))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), every)


async def final_round(base_url: str, dsn: str, sellers: list[Seller], record: Payouts) -> None:
    """Once the booking is done: everything booked is approved and paid."""
    await approve_all(dsn, sellers)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        await asyncio.gather(*(pay_round(session, base_url, s, record) for s in sellers))


QUIET = (
    "SELECT (SELECT count(*) FROM payouts.payout_runs WHERE state = 'Claiming') AS claiming, "
    "(SELECT count(*) FROM payouts.payouts p JOIN ledger.claimed_payouts c "
    "ON c.payout_id = p.id WHERE p.status = 'Paid' AND c.state <> 'Paid') AS unsettled, "
    "(SELECT count(*) FROM ledger.conversions WHERE status = 'Pending') AS pending")
CHECKS = {
    # a commission in two payouts' line items
    "paidTwice": "SELECT count(*) FROM (SELECT conversion_id FROM payouts.payout_line_items "
                 "GROUP BY 1 HAVING count(*) > 1) t",
    # approved and never paid, or claimed by a payout that was never written
    "notPaid": "SELECT count(*) FROM ledger.conversions c WHERE c.status <> 'Paid' AND "
               "NOT EXISTS (SELECT 1 FROM payouts.payouts p WHERE p.id = c.payout_id "
               "AND p.status = 'Paid')",
    # paid by a payout but not Paid in the books
    "paidNotBooked": "SELECT count(*) FROM payouts.payout_line_items li JOIN "
                     "ledger.conversions c ON c.id = li.conversion_id WHERE c.status <> 'Paid'",
    # per affiliate and currency: Paid line items against Paid commissions
    "linesNotCommissions": (
        "SELECT count(*) FROM (SELECT p.affiliate_id, p.currency, sum(li.amount_cents) AS s "
        "FROM payouts.payouts p JOIN payouts.payout_line_items li ON li.payout_id = p.id "
        "WHERE p.status = 'Paid' GROUP BY 1, 2) l FULL JOIN (SELECT affiliate_id, currency, "
        "sum(commission_cents) AS s FROM ledger.conversions WHERE status = 'Paid' "
        "GROUP BY 1, 2) c USING (affiliate_id, currency) WHERE l.s IS DISTINCT FROM c.s"),
}


UNPAID = ("SELECT count(*) FROM ledger.conversions WHERE status = 'Approved' "
          "AND payout_id IS NULL")


async def quiet(conn: asyncpg.Connection, seconds: float) -> None:
    """No run half-written (the recovery job finished or released each), every Paid payout
    settled in the ledger, nothing Pending."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        row = await conn.fetchrow(QUIET)
        if row is not None and not any(row.values()):
            return
        await asyncio.sleep(1.0)


async def pay_everything(base_url: str, dsn: str, sellers: list[Seller], record: Payouts,
                         conn: asyncpg.Connection, drain_seconds: float) -> None:
    """Final rounds until nothing payable is left: a run the recovery job released after a
    round gives its commissions back, and the next round pays them."""
    for _ in range(3):
        await final_round(base_url, dsn, sellers, record)
        await quiet(conn, drain_seconds)
        if not await conn.fetchval(UNPAID):
            return


async def payout_books(conn: asyncpg.Connection, record: Payouts) -> dict[str, Any]:
    found = {name: await conn.fetchval(sql) for name, sql in CHECKS.items()}
    return {"payoutRuns": record.runs, "payouts": record.paid,
            "runRefusals": dict(sorted(record.refused.items())), **found}
