"""``GET /api/v1/audit-log/export.csv``, page by page: the JSON list's rows, order (newest
first) and values, read in keyset pages so the gateway streams them and never holds the
whole export."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator

import asyncpg

from libs.contracts.audit_log import EXPORT_COLUMNS, EXPORT_FULL_COLUMNS, AuditLogFilter
from libs.shared.csvsafe import Cell, CsvPage, csv_lines
from services.gateway.adapters.audit_repository import (
    Position,
    audit_rows_after,
    count_audit_up_to,
)
from services.gateway.service_layer.audit_log import audit_filter, audit_item


def export_columns(redacted: bool) -> tuple[str, ...]:
    """API-key callers get the redacted header; the full one is for dashboard (JWT) callers."""
    return EXPORT_COLUMNS if redacted else EXPORT_FULL_COLUMNS


def export_cells(row: asyncpg.Record, redacted: bool) -> tuple[Cell, ...]:
    """The row's cells are its JSON list values (the same text for createdAt, before, after),
    so the two answers never disagree."""
    values = audit_item(row, redacted).model_dump(mode="json")
    return tuple(values[column] for column in export_columns(redacted))


async def count_matching(pool: asyncpg.Pool, org_id: uuid.UUID, filters: AuditLogFilter,
                         up_to: int, *, redacted: bool) -> int:
    async with pool.acquire() as conn:
        return await count_audit_up_to(conn, audit_filter(org_id, filters, redacted), up_to)


async def export_pages(pool: asyncpg.Pool, org_id: uuid.UUID, filters: AuditLogFilter, *,
                       redacted: bool, cap: int, take: int) -> AsyncGenerator[CsvPage, None]:
    """At most ``cap`` rows, ``take`` a page. A connection is held for one page's query, never
    while the caller writes the page out to a slow client."""
    where = audit_filter(org_id, filters, redacted)
    after: Position | None = None
    sent = 0
    while sent < cap:
        limit = min(take, cap - sent)
        async with pool.acquire() as conn:
            rows = await audit_rows_after(conn, where, after, limit)
        if rows:
            yield CsvPage(csv_lines(export_cells(row, redacted) for row in rows), len(rows))
        if len(rows) < limit:
            return
        sent += len(rows)
        after = rows[-1]["created_at"], rows[-1]["id"]
