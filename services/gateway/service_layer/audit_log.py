"""Writing audit rows that other services staged in their outboxes."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from libs.contracts.audit import AuditRecorded
from libs.contracts.audit_log import AuditLogFilter, AuditLogItem, AuditLogPage, AuditLogQuery
from libs.shared import jsonutil
from libs.shared.bus import Delivery
from services.gateway.adapters.audit_repository import AuditFilter, insert_audit, query_audit


async def record_audit(pool: asyncpg.Pool, delivery: Delivery) -> None:
    entry = AuditRecorded.model_validate(delivery.body)
    async with pool.acquire() as conn:
        await insert_audit(conn, entry)


async def audit_log_page(pool: asyncpg.Pool, org_id: uuid.UUID, query: AuditLogQuery,
                         *, redacted: bool) -> AuditLogPage:
    """A page of the org's audit log, newest first. API-key callers get operator PII nulled."""
    async with pool.acquire() as conn:
        total, rows = await query_audit(conn, audit_filter(org_id, query, redacted),
                                        offset=(query.page - 1) * query.page_size,
                                        limit=query.page_size)
    return AuditLogPage(page=query.page, page_size=query.page_size, total=total,
                        items=[audit_item(row, redacted) for row in rows])


def audit_filter(org_id: uuid.UUID, query: AuditLogFilter, redacted: bool) -> AuditFilter:
    """The list's and the export's filter; a redacted caller's actorUserId and ip are
    dropped (it may not filter on what it cannot see)."""
    return AuditFilter(org_id, action=query.action, entity_type=query.entity_type,
                       since=query.since, until=query.until,
                       actor_user_id=None if redacted else query.actor_user_id,
                       ip=None if redacted else query.ip)


def audit_item(row: asyncpg.Record, redacted: bool) -> AuditLogItem:
    """One row as the API shows it; the CSV export's cells are these same values."""
    return AuditLogItem(
        id=str(row["id"]), action=row["action"], entity_type=row["entity_type"],
        entity_id=row["entity_id"], actor_type=row["actor_type"],
        actor_user_id=None if redacted else row["actor_user_id"],
        ip=None if redacted else row["ip"],
        user_agent=None if redacted else row["user_agent"],
        before=_json_text(row["before"]), after=_json_text(row["after"]),
        created_at=row["created_at"])


def _json_text(value: Any) -> str | None:
    return jsonutil.dumps_str(value) if value is not None else None
