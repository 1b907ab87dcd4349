"""Where a payout run's seconds go, read from the outside while it runs: the moments each step
became visible in the bench database, beside the timestamps the services wrote themselves.

Polled every 20 ms (one small statement), so each moment is good to about that much:

- ``runAt``: the payouts service wrote the run (``payout_runs.created_at``), about to ask the
  ledger to claim;
- ``claimAt``: the ledger's claim, after its UPDATE of the rows and building the reply
  (``payout_claims.created_at``), before it inserts ``claimed_payouts`` and commits;
- ``claimCommitted``: the claim became visible;
- ``writeAt``: the payouts service had the claim and began writing (``payouts.created_at``);
- ``writeCommitted``: the payouts, line items, events and audit row became visible."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from bench.common import BenchError

_POLL = """
SELECT (SELECT id FROM payouts.payout_runs WHERE org_id = $1 LIMIT 1),
       EXISTS (SELECT 1 FROM ledger.payout_claims WHERE org_id = $1),
       EXISTS (SELECT 1 FROM payouts.payouts WHERE org_id = $1)"""
_STAMPS = """
SELECT r.created_at AS run_at, c.created_at AS claim_at,
       (SELECT min(p.created_at) FROM payouts.payouts p WHERE p.run_id = r.id) AS write_at
FROM payouts.payout_runs r JOIN ledger.payout_claims c ON c.run_id = r.id
WHERE r.org_id = $1"""
# Segment name -> (from, to) moments.
SEGMENTS = {
    "gateway -> payouts, run row": ("sent", "runAt"),
    "ledger claim: balances, UPDATE, reply models": ("runAt", "claimAt"),
    "ledger: claimed_payouts insert + commit": ("claimAt", "claimCommitted"),
    "Claim reply -> payouts (bus, validate)": ("claimCommitted", "writeAt"),
    "payouts write: COPY, 20,000 events, audit, commit": ("writeAt", "writeCommitted"),
    "answer -> client (10,000 payouts over bus + HTTP)": ("writeCommitted", "answered"),
}


class RunWatch:
    """``watch()`` as a task beside the run request; ``moments`` in wall-clock seconds."""

    def __init__(self, conn: asyncpg.Connection, org_id: uuid.UUID) -> None:
        self.conn = conn
        self.org_id = org_id
        self.run_id: uuid.UUID | None = None
        self.moments: dict[str, float] = {}

    async def watch(self, interval: float = 0.02) -> None:
        names = ("claimCommitted", "writeCommitted")
        while "writeCommitted" not in self.moments:
            row = await self.conn.fetchrow(_POLL, self.org_id)
            now = time.time()
            assert row is not None  # a SELECT without FROM answers one row
            self.run_id = self.run_id or row[0]
            for name, seen in zip(names, row[1:], strict=True):
                if seen:
                    self.moments.setdefault(name, now)
            await asyncio.sleep(interval)

    async def add_stamps(self) -> None:
        """The services' own timestamps of the same run."""
        row = await self.conn.fetchrow(_STAMPS, self.org_id)
        for name, key in (("runAt", "run_at"), ("claimAt", "claim_at"), ("writeAt", "write_at")):
            stamp: datetime | None = row[key] if row else None
            if stamp is not None:
                self.moments[name] = stamp.timestamp()

    async def settled_all(self, payouts: int, timeout: float) -> float:
        """Wait until the ledger settled every payout of the run; the wall-clock moment."""
        deadline = time.monotonic() + timeout
        while await self.conn.fetchval(
                "SELECT count(*) FROM ledger.claimed_payouts WHERE run_id = $1 "
                "AND state = 'Paid'", self.run_id) < payouts:
            if time.monotonic() > deadline:
                raise BenchError(f"the ledger did not settle {payouts} payouts in {timeout:.0f} s")
            await asyncio.sleep(0.1)
        return time.time()

    def segments_ms(self) -> dict[str, Any]:
        """Each segment's milliseconds (None when a moment was not seen)."""
        out: dict[str, Any] = {}
        for name, (start, end) in SEGMENTS.items():
            a, b = self.moments.get(start), self.moments.get(end)
            out[name] = round((b - a) * 1000, 1) if a is not None and b is not None else None
        return out
