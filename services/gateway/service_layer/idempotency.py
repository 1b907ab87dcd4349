"""Idempotency-Key use cases: claim a key (or learn what to answer instead), keep or free it once
the route has answered, and purge the keys the window has forgotten. The rules are
domain/idempotency.py; this adds the transactions around them."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from libs.shared.ids import new_id
from services.gateway.adapters import idempotency_repository as repo
from services.gateway.adapters.idempotency_repository import Attempt, Claim
from services.gateway.domain.errors import IdempotencyRequestInProgress
from services.gateway.domain.idempotency import StoredResponse, decide, keeps_response

# A row found by the insert can be gone by the time it is locked (its 5xx freed it, or the
# purge took it); the insert is tried again, a few times at most.
CLAIM_ATTEMPTS = 3


async def begin(pool: asyncpg.Pool, attempt: Attempt, *, now: datetime, window: timedelta,
                lease: timedelta) -> Claim | StoredResponse:
    """A claim when this request is to run; the stored response when it was answered before.
    Raises ``IdempotencyKeyReused`` or ``IdempotencyRequestInProgress`` to refuse it."""
    claim = Claim(attempt.org_id, attempt.key, new_id())
    lease_until = now + lease
    async with pool.acquire() as conn, conn.transaction():
        for _ in range(CLAIM_ATTEMPTS):
            if await repo.insert_in_flight(conn, attempt, claim.token, now=now,
                                           lease_until=lease_until):
                return claim
            record = await repo.locked_record(conn, attempt.org_id, attempt.key)
            if record is None:
                continue
            stored = decide(record, attempt.fingerprint, now=now, window=window)
            if stored is not None:
                return stored
            await repo.take_over(conn, attempt, claim.token, now=now, lease_until=lease_until)
            return claim
    raise IdempotencyRequestInProgress("the Idempotency-Key is changing hands; retry")


async def settle(pool: asyncpg.Pool, claim: Claim, response: StoredResponse | None) -> bool:
    """Keep the answer for replays, or free the key (a 5xx, or an answer that cannot be stored,
    None) so a retry runs again. False when the claim had been taken over meanwhile."""
    async with pool.acquire() as conn:
        if response is not None and keeps_response(response.status):
            return await repo.store_response(conn, claim, response)
        await repo.release(conn, claim)
        return True


async def purge_expired(pool: asyncpg.Pool, *, now: datetime, window: timedelta,
                        batch: int) -> int:
    async with pool.acquire() as conn:
        return await repo.purge_created_before(conn, now - window, batch)
