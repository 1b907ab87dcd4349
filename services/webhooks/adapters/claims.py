"""Claiming due deliveries for one dispatcher: a lease per delivery, at most ``cap`` leased
deliveries per endpoint across every replica.

Claims are serialised by a transaction-level advisory lock (a claim takes milliseconds), so two
replicas never lease the same row and the per-endpoint cap holds exactly; the lease (not a held
row lock) covers the HTTP call, so no connection stays open while a receiver is slow. The
dispatcher claims in batches (many deliveries per claim), so the lock costs little per delivery.
Locking endpoint rows (``FOR NO KEY UPDATE SKIP LOCKED``) instead would let a claim count the
endpoint's leases in a snapshot taken before another replica's claim committed and overshoot
the cap; the lock is taken in its own statement, so the claim's snapshot sees every claim before
it. The update re-checks what the picked rows must still be (a row whose attempt was just
recorded as a retry is not due again yet).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

_CLAIM_LOCK = 7_315_401_555

_CLAIM = """
WITH ready AS (
    SELECT e.id, $2::int - (SELECT count(*) FROM deliveries b
                            WHERE b.endpoint_id = e.id AND b.lease_until > $1) AS free
    FROM endpoints e
    WHERE e.is_active AND EXISTS (
        SELECT 1 FROM deliveries d WHERE d.endpoint_id = e.id
        AND d.status IN ('Pending', 'Retrying') AND d.next_attempt_at <= $1)
), picked AS (
    SELECT c.id FROM ready r CROSS JOIN LATERAL (
        SELECT d.id, d.next_attempt_at FROM deliveries d
        WHERE d.endpoint_id = r.id AND d.status IN ('Pending', 'Retrying')
          AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
        ORDER BY d.next_attempt_at LIMIT greatest(r.free, 0)) c
    ORDER BY c.next_attempt_at LIMIT $3
)
UPDATE deliveries d SET lease_until = $4, lease_token = $5
FROM picked p, endpoints e
WHERE d.id = p.id AND e.id = d.endpoint_id AND d.status IN ('Pending', 'Retrying')
  AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
RETURNING d.id, d.endpoint_id, d.event_type, d.body, d.attempts, d.delivered_at, e.url,
          e.secret, e.previous_secret, e.previous_secret_expires_at
"""


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery this dispatcher holds until ``lease_until``, with what sending it needs."""

    id: str
    endpoint_id: uuid.UUID
    event_type: str
    body: bytes
    url: str
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    token: uuid.UUID
    # The delivery's state when leased; only recording it (which ends the lease) changes it.
    attempts: int = 0
    delivered_at: datetime | None = None


async def claim(pool: asyncpg.Pool, *, now: datetime, limit: int, per_endpoint: int,
                lease_until: datetime, token: uuid.UUID) -> list[Claimed]:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _CLAIM_LOCK)
        rows = await conn.fetch(_CLAIM, now, per_endpoint, limit, lease_until, token)
    return [Claimed(id=r["id"], endpoint_id=r["endpoint_id"], event_type=r["event_type"],
                    body=r["body"].encode(), url=r["url"], secret=r["secret"],
                    previous_secret=r["previous_secret"],
                    previous_secret_expires_at=r["previous_secret_expires_at"], token=token,
                    attempts=r["attempts"], delivered_at=r["delivered_at"])
            for r in rows]
