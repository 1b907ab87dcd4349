"""SQL for Idempotency-Key rows (``idempotency_keys``, which the gateway owns)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from libs.shared.db import Conn
from services.gateway.domain.idempotency import KeyRecord, StoredResponse


@dataclass(frozen=True, slots=True)
class Claim:
    """A request's hold on a key: only the holder (``token``) may store or release it."""

    org_id: uuid.UUID
    key: str
    token: uuid.UUID


@dataclass(frozen=True, slots=True)
class Attempt:
    org_id: uuid.UUID
    key: str
    route: str
    fingerprint: bytes


_IN_FLIGHT = ("(org_id, key, route, fingerprint, state, claim, lease_expires_at, created_at) "
              "VALUES ($1, $2, $3, $4, 'in_flight', $5, $6, $7)")


async def insert_in_flight(conn: Conn, attempt: Attempt, token: uuid.UUID, *, now: datetime,
                           lease_until: datetime) -> bool:
    """Claim a key nobody holds; False when a row is there (concurrent inserts wait for the
    first one's transaction, so exactly one of them wins)."""
    return bool(await conn.fetchval(
        f"INSERT INTO idempotency_keys {_IN_FLIGHT} ON CONFLICT (org_id, key) DO NOTHING "
        "RETURNING true", attempt.org_id, attempt.key, attempt.route, attempt.fingerprint, token,
        lease_until, now))


async def take_over(conn: Conn, attempt: Attempt, token: uuid.UUID, *, now: datetime,
                    lease_until: datetime) -> None:
    """Claim a key whose row the caller has locked and found expired or abandoned."""
    await conn.execute(
        "UPDATE idempotency_keys SET route = $3, fingerprint = $4, state = 'in_flight', "
        "claim = $5, lease_expires_at = $6, created_at = $7, response_status = NULL, "
        "response_body = NULL, response_content_type = NULL WHERE org_id = $1 AND key = $2",
        attempt.org_id, attempt.key, attempt.route, attempt.fingerprint, token, lease_until,
        now)


async def locked_record(conn: Conn, org_id: uuid.UUID, key: str) -> KeyRecord | None:
    row = await conn.fetchrow(
        "SELECT fingerprint, created_at, lease_expires_at, response_status, response_body, "
        "response_content_type FROM idempotency_keys WHERE org_id = $1 AND key = $2 "
        "FOR UPDATE", org_id, key)
    if row is None:
        return None
    response = None if row["response_status"] is None else StoredResponse(
        row["response_status"], row["response_body"], row["response_content_type"])
    return KeyRecord(row["fingerprint"], row["created_at"], row["lease_expires_at"], response)


async def store_response(conn: Conn, claim: Claim, response: StoredResponse) -> bool:
    """False when the claim was lost (its lease ran out and another request took the key)."""
    return await conn.fetchval(
        "UPDATE idempotency_keys SET state = 'done', lease_expires_at = NULL, "
        "response_status = $4, response_body = $5, response_content_type = $6 "
        "WHERE org_id = $1 AND key = $2 AND claim = $3 RETURNING true",
        claim.org_id, claim.key, claim.token, response.status, response.body,
        response.content_type) is not None


async def release(conn: Conn, claim: Claim) -> None:
    await conn.execute("DELETE FROM idempotency_keys WHERE org_id = $1 AND key = $2 AND "
                       "claim = $3", claim.org_id, claim.key, claim.token)


async def purge_created_before(conn: Conn, before: datetime, batch: int) -> int:
    """Delete up to ``batch`` rows older than ``before``; how many went. Rows a claim has
    locked (it is taking an expired key over) are skipped, and so is each other replica's
    batch."""
    deleted = await conn.fetchval(
        "WITH gone AS (DELETE FROM idempotency_keys WHERE (org_id, key) IN (SELECT org_id, key "
        "FROM idempotency_keys WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED) "
        "RETURNING 1) SELECT count(*) FROM gone", before, batch)
    return int(deleted)
