"""Streaming a CSV export to the caller, the same way for every export the gateway serves:
an attachment whose truncation flag is known before the first byte, pages written as they are
read, a broken transfer rather than a short file that looks complete, and one audit row per
call with the rows actually sent."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from libs.contracts.audit import AuditRecorded
from libs.contracts.common import EXPORT_TRUNCATED_HEADER, Actor
from libs.shared import jsonutil
from libs.shared.csvsafe import CsvPage
from libs.shared.ids import new_id
from libs.shared.logging import request_id_var
from services.gateway.adapters.audit_repository import insert_audit
from services.gateway.entrypoints.http.keys import POOL, PRINCIPAL, QUOTA_REMAINING
from services.gateway.entrypoints.http.views import actor_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CsvExport:
    """One export: its file name, and how its audit row names it."""

    filename: str
    audit_action: str  # e.g. "conversions.exported"
    audit_entity_type: str


@dataclass(frozen=True)
class ExportRun:
    """What one call sends: the header row, the pages, whether the cap cut it short, and the
    filters it ran with (for the audit row)."""

    columns: Sequence[str]
    pages: AsyncGenerator[CsvPage, None]
    truncated: bool
    filters: dict[str, Any]


async def stream_csv(request: web.Request, export: CsvExport, run: ExportRun
                     ) -> web.StreamResponse:
    """The first page is read before the first byte, so a failure there (the database or the
    owner down) is an ordinary error envelope; later, the connection is aborted."""
    first = await anext(run.pages, None)
    response = await _prepared(request, export.filename, run.truncated)
    sent, complete = 0, False
    try:
        await response.write((",".join(run.columns) + "\r\n").encode())
        page = first
        while page is not None:
            await response.write(page.text.encode())
            sent += page.rows
            page = await anext(run.pages, None)
        complete = True
    except Exception:
        log.exception("export interrupted", extra={"export": export.filename, "rows": sent})
        if request.transport is not None:
            request.transport.abort()
    finally:
        await run.pages.aclose()
        try:
            await _audit(request, export, run, rows=sent, complete=complete)
        except Exception:  # the rows are out already; an error answer can no longer be sent
            log.exception("export audit row not written",
                          extra={"export": export.filename, "rows": sent})
    return response


async def _prepared(request: web.Request, filename: str, truncated: bool
                    ) -> web.StreamResponse:
    response = web.StreamResponse(headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        EXPORT_TRUNCATED_HEADER: "true" if truncated else "false"})
    response.content_type, response.charset = "text/csv", "utf-8"
    # The edge middleware adds these after the view returns: too late once streaming started.
    response.headers["X-Request-Id"] = request_id_var.get() or ""
    if QUOTA_REMAINING in request:
        response.headers["X-RateLimit-Remaining"] = str(request[QUOTA_REMAINING])
    await response.prepare(request)
    return response


async def _audit(request: web.Request, export: CsvExport, run: ExportRun, *, rows: int,
                 complete: bool) -> None:
    principal = request[PRINCIPAL]
    entry = AuditRecorded(
        id=new_id(), org_id=principal.org_id, action=export.audit_action,
        entity_type=export.audit_entity_type, entity_id=export.filename,
        actor=Actor.model_validate(actor_of(request, principal)),
        request_id=request_id_var.get(), before=None,
        after={"filters": jsonutil.loads(jsonutil.dumps(run.filters)), "rowCount": rows,
               "truncated": run.truncated, "complete": complete},
        created_at=datetime.now(UTC))
    async with request.app[POOL].acquire() as conn:
        await insert_audit(conn, entry)
