"""SQL for the append-only audit log."""

from __future__ import annotations

import asyncpg

from libs.contracts.audit import AuditRecorded
from libs.shared.db import Conn


async def insert_audit(conn: Conn, entry: AuditRecorded) -> bool:
    """Insert once: the row id is the event id, so a redelivered event is a no-op."""
    done = await conn.fetchval(
        "INSERT INTO audit_log (id, org_id, action, entity_type, entity_id, actor_type, "
        "actor_user_id, actor_key_id, ip, user_agent, request_id, before, after, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
        "ON CONFLICT (id) DO NOTHING RETURNING true",
        entry.id, entry.org_id, entry.action, entry.entity_type, entry.entity_id,
        entry.actor.type.value, entry.actor.user_id, entry.actor.key_id, entry.actor.ip,
        entry.actor.user_agent, entry.request_id, entry.before, entry.after, entry.created_at)
    return bool(done)


async def query_audit(conn: Conn, org_id: object, *, action: str | None,
                      entity_type: str | None, since: object, until: object, offset: int,
                      limit: int) -> tuple[int, list[asyncpg.Record]]:
    where = ["org_id = $1"]
    args: list[object] = [org_id]
    for column, value, op in (("action", action, "="), ("entity_type", entity_type, "="),
                              ("created_at", since, ">="), ("created_at", until, "<")):
        if value is not None:
            args.append(value)
            where.append(f"{column} {op} ${len(args)}")
    condition = " AND ".join(where)
    total = await conn.fetchval(f"SELECT count(*) FROM audit_log WHERE {condition}", *args)
    rows = await conn.fetch(
        f"SELECT * FROM audit_log WHERE {condition} ORDER BY created_at DESC, id DESC "
        f"OFFSET ${len(args) + 1} LIMIT ${len(args) + 2}", *args, offset, limit)
    return int(total), rows
