"""SQL for the append-only audit log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from libs.contracts.audit import AuditRecorded
from libs.shared.db import Conn

# Newest first, for the list and the export alike; the id orders rows of one instant.
ORDER = "ORDER BY created_at DESC, id DESC"


@dataclass(frozen=True, slots=True)
class AuditFilter:
    org_id: uuid.UUID
    action: str | None = None
    entity_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    actor_user_id: str | None = None
    ip: str | None = None

    def where(self) -> tuple[str, list[object]]:
        """The SQL condition and its arguments ($1 is the org)."""
        where = ["org_id = $1"]
        args: list[object] = [self.org_id]
        for column, value, op in (("action", self.action, "="),
                                  ("entity_type", self.entity_type, "="),
                                  ("created_at", self.since, ">="),
                                  ("created_at", self.until, "<"),
                                  ("actor_user_id", self.actor_user_id, "="),
                                  ("ip", self.ip, "=")):
            if value is not None:
                args.append(value)
                where.append(f"{column} {op} ${len(args)}")
        return " AND ".join(where), args


# Where the export stopped: the (created_at, id) of the last row it sent.
Position = tuple[datetime, uuid.UUID]


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


async def query_audit(conn: Conn, where: AuditFilter, *, offset: int, limit: int
                      ) -> tuple[int, list[asyncpg.Record]]:
    condition, args = where.where()
    total = await conn.fetchval(f"SELECT count(*) FROM audit_log WHERE {condition}", *args)
    rows = await conn.fetch(
        f"SELECT * FROM audit_log WHERE {condition} {ORDER} "
        f"OFFSET ${len(args) + 1} LIMIT ${len(args) + 2}", *args, offset, limit)
    return int(total), rows


async def audit_rows_after(conn: Conn, where: AuditFilter, after: Position | None,
                           limit: int) -> list[asyncpg.Record]:
    """The next ``limit`` rows in list order after ``after`` (keyset: no OFFSET to rescan,
    and rows recorded meanwhile never shift a page)."""
    condition, args = where.where()
    if after is not None:
        args += after
        condition += f" AND (created_at, id) < (${len(args) - 1}, ${len(args)})"
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT * FROM audit_log WHERE {condition} {ORDER} LIMIT ${len(args) + 1}",
        *args, limit)
    return rows


async def count_audit_up_to(conn: Conn, where: AuditFilter, up_to: int) -> int:
    """How many rows match, counted no further than ``up_to``."""
    condition, args = where.where()
    count = await conn.fetchval(
        f"SELECT count(*) FROM (SELECT 1 FROM audit_log WHERE {condition} "
        f"LIMIT ${len(args) + 1}) AS matching", *args, up_to)
    return int(count)
