"""``GET /api/v1/conversions/export.csv``: the ledger owns the rows and renders each page of
CSV lines; the gateway streams page after page to the caller (csv_export.py), so a 50,000-row
export is never one message or one buffer."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from aiohttp import web

from libs.contracts.conversion_imports import EXPORT_COLUMNS, EXPORT_CONVERSIONS_PAGE
from libs.shared.bus import Bus
from libs.shared.csvsafe import CsvPage
from services.gateway.entrypoints.http.csv_export import CsvExport, ExportRun, stream_csv
from services.gateway.entrypoints.http.keys import BUS, SETTINGS

EXPORT = CsvExport("conversions.csv", audit_action="conversions.exported",
                   audit_entity_type="conversion_export")


async def _page(bus: Bus, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    page: dict[str, Any] = await EXPORT_CONVERSIONS_PAGE.call(bus, {**payload, **extra})
    return page


async def _pages(bus: Bus, payload: dict[str, Any], first: dict[str, Any], cap: int,
                 take: int) -> AsyncGenerator[CsvPage, None]:
    """Every page until the rows run out or the cap is reached."""
    page, sent = first, 0
    while True:
        yield CsvPage(page["csv"], page["rows"])
        sent += page["rows"]
        if page["nextCursor"] is None or sent >= cap:
            return
        page = await _page(bus, payload, cursor=page["nextCursor"], take=min(take, cap - sent))


async def export_conversions(request: web.Request, payload: dict[str, Any]
                             ) -> web.StreamResponse:
    settings, bus = request.app[SETTINGS], request.app[BUS]
    cap, take = settings.conversions_export_max_rows, settings.conversions_export_page_rows
    # Asked before the first byte: bad filters or the ledger down are ordinary error envelopes.
    first = await _page(bus, payload, take=min(take, cap), countUpTo=cap + 1)
    return await stream_csv(request, EXPORT, ExportRun(
        columns=EXPORT_COLUMNS, pages=_pages(bus, payload, first, cap, take),
        truncated=first["matching"] > cap,
        filters={k: v for k, v in payload.items() if k != "orgId"}))
