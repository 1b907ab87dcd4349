"""``GET /api/v1/conversions/export.csv``: the ledger owns the rows and renders each page of
CSV lines; the gateway streams page after page to the caller, so a 50,000-row export is never
one message or one buffer. The gateway owns the audit log, so it records the export itself,
once the stream ends, with the rows actually sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from libs.contracts.audit import AuditRecorded
from libs.contracts.common import Actor
from libs.contracts.conversion_imports import (
    EXPORT_COLUMNS,
    EXPORT_CONVERSIONS_PAGE,
    EXPORT_TRUNCATED_HEADER,
)
from libs.shared import jsonutil
from libs.shared.bus import Bus
from libs.shared.ids import new_id
from libs.shared.logging import request_id_var
from services.gateway.adapters.audit_repository import insert_audit
from services.gateway.entrypoints.http.keys import (
    BUS,
    POOL,
    PRINCIPAL,
    QUOTA_REMAINING,
    SETTINGS,
)
from services.gateway.entrypoints.http.views import actor_of

log = logging.getLogger(__name__)
HEADER_LINE = (",".join(EXPORT_COLUMNS) + "\r\n").encode()
FILENAME = "conversions.csv"


async def _page(bus: Bus, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    page: dict[str, Any] = await EXPORT_CONVERSIONS_PAGE.call(bus, {**payload, **extra})
    return page


@dataclass(slots=True)
class _Sent:
    rows: int = 0


async def _stream(response: web.StreamResponse, bus: Bus, payload: dict[str, Any],
                  first: dict[str, Any], cap: int, take: int, sent: _Sent) -> None:
    """Write the header and every page until the rows run out or the cap is reached."""
    await response.write(HEADER_LINE)
    page = first
    while True:
        await response.write(page["csv"].encode())
        sent.rows += page["rows"]
        if page["nextCursor"] is None or sent.rows >= cap:
            return
        page = await _page(bus, payload, cursor=page["nextCursor"],
                           take=min(take, cap - sent.rows))


async def _audit(request: web.Request, filters: dict[str, Any], *, rows: int, truncated: bool,
                 complete: bool) -> None:
    principal = request[PRINCIPAL]
    entry = AuditRecorded(
        id=new_id(), org_id=principal.org_id, action="conversions.exported",
        entity_type="conversion_export", entity_id=FILENAME,
        actor=Actor.model_validate(actor_of(request, principal)),
        request_id=request_id_var.get(), before=None,
        after={"filters": jsonutil.loads(jsonutil.dumps(filters)), "rowCount": rows,
               "truncated": truncated, "complete": complete},
        created_at=datetime.now(UTC))
    async with request.app[POOL].acquire() as conn:
        await insert_audit(conn, entry)


async def export_conversions(request: web.Request, payload: dict[str, Any]
                             ) -> web.StreamResponse:
    """Errors before the first byte (bad filters, ledger down) are ordinary error envelopes.
    A failure mid-stream aborts the connection, so the client sees a broken transfer rather
    than a short file that looks complete."""
    settings, bus = request.app[SETTINGS], request.app[BUS]
    cap, take = settings.conversions_export_max_rows, settings.conversions_export_page_rows
    filters = {k: v for k, v in payload.items() if k != "orgId"}
    first = await _page(bus, payload, take=min(take, cap), countUpTo=cap + 1)
    truncated = first["matching"] > cap
    response = web.StreamResponse(headers={
        "Content-Disposition": f'attachment; filename="{FILENAME}"',
        EXPORT_TRUNCATED_HEADER: "true" if truncated else "false"})
    response.content_type, response.charset = "text/csv", "utf-8"
    # The edge middleware adds these after the view returns: too late once streaming started.
    response.headers["X-Request-Id"] = request_id_var.get() or ""
    if QUOTA_REMAINING in request:
        response.headers["X-RateLimit-Remaining"] = str(request[QUOTA_REMAINING])
    await response.prepare(request)
    sent, complete = _Sent(), False
    try:
        await _stream(response, bus, payload, first, cap, take, sent)
        complete = True
    except Exception:
        log.exception("conversions export interrupted", extra={"rows": sent.rows})
        if request.transport is not None:
            request.transport.abort()
    finally:
        try:
            await _audit(request, filters, rows=sent.rows, truncated=truncated,
                         complete=complete)
        except Exception:  # the rows are out already; an error answer can no longer be sent
            log.exception("conversions export audit row not written", extra={"rows": sent.rows})
    return response
