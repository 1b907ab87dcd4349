"""Claiming due deliveries for one dispatcher: a lease per delivery, and per endpoint at most
``per_endpoint`` minus what this dispatcher already has in flight there.

The cap is per dispatcher process, counted by the dispatcher in memory and passed in, so a
claim counts nothing in the table: with no index on the lease columns, leasing a row is a HOT
update (migration 0003), which made claims several times cheaper than counting leases through
an index. With R replicas an endpoint sees at most R x ``per_endpoint`` requests at once; a
hanging endpoint still holds at most ``per_endpoint`` of each replica's slots.

Claims are serialised by a transaction-level advisory lock (a claim takes a millisecond or two),
taken in its own statement so the claim's snapshot sees every claim committed before it: two
replicas then pick disjoint rows instead of queueing on each other's row locks. The update
re-checks what the picked rows must still be, so a row leased meanwhile (or just recorded as a
retry, not due again yet) is never leased twice. The lease (not a held row lock) covers the
HTTP call, so no connection stays open while a receiver is slow.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from libs.shared.secret_box import OpenedCache, UnreadableSecret, get_key_ring
from services.webhooks.adapters.sealed_secrets import ENDPOINT_SECRETS

log = logging.getLogger(__name__)

_CLAIM_LOCK = 7_315_401_555

_CLAIM = """
WITH busy AS (
    SELECT * FROM unnest($6::uuid[], $7::int[]) AS b(endpoint_id, in_flight)
), ready AS (
    SELECT e.id, $2::int - coalesce(b.in_flight, 0) AS free
    FROM endpoints e LEFT JOIN busy b ON b.endpoint_id = e.id
    WHERE e.is_active AND $2::int > coalesce(b.in_flight, 0) AND EXISTS (
        SELECT 1 FROM deliveries d WHERE d.endpoint_id = e.id
        AND d.status IN ('Pending', 'Retrying') AND d.next_attempt_at <= $1)
), picked AS (
    SELECT c.id FROM ready r CROSS JOIN LATERAL (
        SELECT d.id, d.next_attempt_at FROM deliveries d
        WHERE d.endpoint_id = r.id AND d.status IN ('Pending', 'Retrying')
          AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
        ORDER BY d.next_attempt_at LIMIT r.free) c
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
                lease_until: datetime, token: uuid.UUID,
                in_flight: Mapping[uuid.UUID, int] | None = None,
                opener: OpenedCache | None = None) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries, oldest due first, at most ``per_endpoint`` minus
    ``in_flight[endpoint]`` (what the caller holds there already) per endpoint."""
    busy = in_flight or {}
    async with pool.acquire() as conn, conn.transaction():
        # A custom plan for this statement costs more than running it; the generic one is as
        # good (every predicate is an index range or equality whatever the values).
        await conn.execute("SELECT pg_advisory_xact_lock($1), "
                           "set_config('plan_cache_mode', 'force_generic_plan', true)",
                           _CLAIM_LOCK)
        rows = await conn.fetch(_CLAIM, now, per_endpoint, limit, lease_until, token,
                                list(busy), list(busy.values()))
    opener = opener or _opener()
    return [claimed for r in rows if (claimed := _claimed(r, token, opener)) is not None]


def _claimed(r: asyncpg.Record, token: uuid.UUID, opener: OpenedCache) -> Claimed | None:
    """The claimed delivery with its endpoint's secrets opened; None (logged) when they do
    not open: its lease runs out and it is tried again, after the key setting is fixed."""
    endpoint_id = r["endpoint_id"]
    try:
        secret = opener.open(r["secret"], ENDPOINT_SECRETS.context("secret", endpoint_id))
        previous = r["previous_secret"]
        if previous is not None:
            previous = opener.open(previous,
                                   ENDPOINT_SECRETS.context("previous_secret", endpoint_id))
    except UnreadableSecret as exc:
        log.error("endpoint secret unreadable; delivery not sent",
                  extra={"endpoint": str(endpoint_id), "error": str(exc)})
        return None
    return Claimed(id=r["id"], endpoint_id=endpoint_id, event_type=r["event_type"],
                   body=r["body"].encode(), url=r["url"], secret=secret,
                   previous_secret=previous,
                   previous_secret_expires_at=r["previous_secret_expires_at"], token=token,
                   attempts=r["attempts"], delivered_at=r["delivered_at"])


@functools.lru_cache(maxsize=1)
def _opener() -> OpenedCache:
    """The process's opened secrets: each sealed value is opened once, not per delivery."""
    return OpenedCache(get_key_ring())
