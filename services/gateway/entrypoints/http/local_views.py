"""Routes whose data the gateway itself owns."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from libs.contracts.audit_log import AuditLogPage, AuditLogQuery
from services.gateway.entrypoints.http.keys import POOL, PRINCIPAL
from services.gateway.service_layer.audit_log import audit_log_page


async def audit_log(request: web.Request, payload: dict[str, Any]) -> AuditLogPage:
    query = AuditLogQuery.model_validate(payload)
    return await audit_log_page(request.app[POOL], request[PRINCIPAL].org_id, query,
                                redacted=True)
