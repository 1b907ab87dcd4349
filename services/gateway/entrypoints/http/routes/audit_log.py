"""The audit log: owned by the gateway itself, so its routes run locally."""

from __future__ import annotations

from libs.contracts.audit_log import AuditLogPage, AuditLogQuery
from services.gateway.domain.plans import Tier
from services.gateway.entrypoints.http.local_views import audit_log
from services.gateway.entrypoints.http.route_table import Route

AUDIT_LOG_ROUTES: list[Route] = [
    Route("GET", "/api/v1/audit-log", None, "Read the audit log",
          "Audit log", plan=Tier.Pro, query=AuditLogQuery, response=AuditLogPage,
          local=audit_log, operation="audit_log.page",
          description="Newest first; `page`/`pageSize` (max 100). API-key callers get operator "
                      "PII (`actorUserId`, `ip`, `userAgent`) nulled. `before`/`after` are JSON "
                      "text."),
]
