"""Routes whose data the gateway itself owns."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from libs.contracts.audit_log import AuditLogFilter, AuditLogPage, AuditLogQuery
from services.gateway.domain.principal import Principal
from services.gateway.entrypoints.http.csv_export import CsvExport, ExportRun, stream_csv
from services.gateway.entrypoints.http.keys import POOL, PRINCIPAL, SETTINGS
from services.gateway.service_layer.audit_export import (
    count_matching,
    export_columns,
    export_pages,
)
from services.gateway.service_layer.audit_log import audit_log_page

AUDIT_EXPORT = CsvExport("audit-log.csv", audit_action="audit_log.exported",
                         audit_entity_type="audit_log_export")


def redacted_for(principal: Principal) -> bool:
    """Operator PII (user ids, IPs, user agents) is hidden from API keys; dashboard Owners
    (the routes' role) see it, in the list and in the export."""
    return principal.is_api_key


async def audit_log(request: web.Request, payload: dict[str, Any]) -> AuditLogPage:
    query = AuditLogQuery.model_validate(payload)
    principal = request[PRINCIPAL]
    return await audit_log_page(request.app[POOL], principal.org_id, query,
                                redacted=redacted_for(principal))


async def export_audit_log(request: web.Request, payload: dict[str, Any]
                           ) -> web.StreamResponse:
    filters, principal = AuditLogFilter.model_validate(payload), request[PRINCIPAL]
    settings, pool, redacted = request.app[SETTINGS], request.app[POOL], redacted_for(principal)
    cap, take = settings.audit_export_max_rows, settings.audit_export_page_rows
    matching = await count_matching(pool, principal.org_id, filters, cap + 1, redacted=redacted)
    return await stream_csv(request, AUDIT_EXPORT, ExportRun(
        columns=export_columns(redacted),
        pages=export_pages(pool, principal.org_id, filters, redacted=redacted, cap=cap,
                           take=take),
        truncated=matching > cap,
        filters={k: v for k, v in payload.items() if k != "orgId"}))
