"""SQL for the invite e-mail queue and its per-org pacing, shared by every worker replica.

An org's next e-mail may leave at ``mail_pacing.next_send_at`` at the earliest. A worker takes
the org's slot and its oldest due message in one transaction (the slot row is updated only if
it is free, which PostgreSQL serialises), so replicas together send at most one message per
interval per org, whatever their number."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from libs.shared.db import Conn

_DUE = ("outcome IS NULL AND send_after <= clock_timestamp() "
        "AND (locked_until IS NULL OR locked_until < clock_timestamp())")


@dataclass(frozen=True, slots=True)
class Claimed:
    message_id: str
    org_id: uuid.UUID
    invite_id: uuid.UUID
    token_version: int
    attempts: int


class _NothingDue(Exception):
    pass


async def enqueue(conn: Conn, message_id: str, org_id: uuid.UUID, invite_id: uuid.UUID,
                  token_version: int) -> None:
    """Idempotent on the message id (a redelivered message adds nothing)."""
    await conn.execute(
        "INSERT INTO invite_mail (message_id, org_id, invite_id, token_version) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (message_id) DO NOTHING",
        message_id, org_id, invite_id, token_version)


async def ready_orgs(pool: asyncpg.Pool, limit: int) -> list[uuid.UUID]:
    rows = await pool.fetch(
        "SELECT DISTINCT m.org_id FROM invite_mail m LEFT JOIN mail_pacing p USING (org_id) "
        f"WHERE {_DUE.replace('outcome', 'm.outcome')} "
        "AND (p.next_send_at IS NULL OR p.next_send_at <= clock_timestamp()) LIMIT $1", limit)
    return [r["org_id"] for r in rows]


async def claim(pool: asyncpg.Pool, org_id: uuid.UUID, *, interval: timedelta,
                lease: timedelta) -> Claimed | None:
    """The org's oldest due message with its send slot, or None (slot busy or nothing due)."""
    try:
        async with pool.acquire() as conn, conn.transaction():
            slot = await conn.fetchval(
                "INSERT INTO mail_pacing (org_id, next_send_at) "
                "VALUES ($1, clock_timestamp() + $2) ON CONFLICT (org_id) DO UPDATE "
                "SET next_send_at = EXCLUDED.next_send_at "
                "WHERE mail_pacing.next_send_at <= clock_timestamp() RETURNING true",
                org_id, interval)
            if not slot:
                return None
            row = await conn.fetchrow(
                "UPDATE invite_mail SET locked_until = clock_timestamp() + $2, "
                "claimed_at = clock_timestamp(), attempts = attempts + 1 "
                "WHERE message_id = (SELECT message_id FROM invite_mail "
                f"WHERE org_id = $1 AND {_DUE} ORDER BY created_at LIMIT 1 "
                "FOR UPDATE SKIP LOCKED) "
                "RETURNING message_id, org_id, invite_id, token_version, attempts",
                org_id, lease)
            if row is None:
                raise _NothingDue  # roll the slot back: nothing was sent with it
            return Claimed(**dict(row))
    except _NothingDue:
        return None


async def finish(pool: asyncpg.Pool, message_id: str, outcome: str, error: str | None = None
                 ) -> None:
    await pool.execute(
        "UPDATE invite_mail SET outcome = $2, finished_at = clock_timestamp(), "
        "locked_until = NULL, last_error = $3 WHERE message_id = $1", message_id, outcome, error)


async def retry_later(pool: asyncpg.Pool, message_id: str, delay: timedelta, error: str) -> None:
    await pool.execute(
        "UPDATE invite_mail SET send_after = clock_timestamp() + $2, locked_until = NULL, "
        "last_error = $3 WHERE message_id = $1", message_id, delay, error)
