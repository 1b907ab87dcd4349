"""``GET /api/v1/conversions/export.csv``, one page at a time: the gateway streams the pages
to the caller, enforces the row cap and writes the audit row, so no reply ever carries the
whole export."""

from __future__ import annotations

import asyncpg

from libs.contracts.conversion_imports import ExportConversionsPage, ExportPage
from libs.shared.csvsafe import csv_lines
from libs.shared.pagination import decode_cursor, page_of
from services.ledger.conversions.adapters.repository import ConversionsRepository, cursor_of
from services.ledger.conversions.domain.export import export_cells
from services.ledger.conversions.service_layer.queries import filter_of


async def export_page(pool: asyncpg.Pool, cmd: ExportConversionsPage) -> ExportPage:
    """Oldest first, like the list; ``matching`` only when ``countUpTo`` is asked."""
    where = filter_of(cmd.org_id, cmd)
    async with pool.acquire() as conn:
        repo = ConversionsRepository(conn)
        rows = await repo.page(where, decode_cursor(cmd.cursor), cmd.take + 1)
        matching = (await repo.count_up_to(where, cmd.count_up_to)
                    if cmd.count_up_to is not None else None)
    items, next_cursor, _ = page_of(rows, cmd.take, cursor_of)
    return ExportPage(csv=csv_lines(export_cells(c) for c in items), rows=len(items),
                      next_cursor=next_cursor, matching=matching)
