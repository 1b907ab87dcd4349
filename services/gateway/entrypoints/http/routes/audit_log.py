"""The audit log: owned by the gateway itself, so its routes run locally."""

from __future__ import annotations

from libs.contracts.audit_log import (
    EXPORT_COLUMNS,
    EXPORT_FULL_COLUMNS,
    AuditLogFilter,
    AuditLogPage,
    AuditLogQuery,
)
from libs.contracts.common import EXPORT_TRUNCATED_HEADER
from services.gateway.domain.plans import Tier
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http.local_views import audit_log, export_audit_log
from services.gateway.entrypoints.http.route_table import Route

AUDIT_LOG_ROUTES: list[Route] = [
    Route("GET", "/api/v1/audit-log", None, "Read the audit log",
          "Audit log", plan=Tier.Pro, role=Role.Owner, query=AuditLogQuery, response=AuditLogPage,
          local=audit_log, operation="audit_log.page",
          description="Newest first; `page`/`pageSize` (max 100). API-key callers get operator "
                      "PII (`actorUserId`, `ip`, `userAgent`) nulled and their `actorUserId` / "
                      "`ip` filters ignored; dashboard Owners (JWT) get the full rows and may "
                      "filter on both. `before`/`after` are JSON text."),
    Route("GET", "/api/v1/audit-log/export.csv", None, "Export the audit log as CSV",
          "Audit log", plan=Tier.Pro, role=Role.Owner, query=AuditLogFilter, local=export_audit_log,
          media_type="text/csv", operation="audit_log.export",
          description=(
              "`text/csv; charset=utf-8`, as an attachment, streamed. The list's filters and "
              "rows, newest first like the list. API-key callers get the redacted header `"
              + ",".join(EXPORT_COLUMNS) + "` (no operator user id, IP or user agent); "
              "dashboard Owners (JWT) the full one, `" + ",".join(EXPORT_FULL_COLUMNS) + "`. "
              "`created_at`, `before` and `after` are the list's `createdAt`, `before` and "
              "`after` text. Text cells starting with `=`, `+`, `-`, `@`, TAB or CR are "
              "prefixed with `'` (formula injection). At most 10,000 rows per call: the "
              f"response header `{EXPORT_TRUNCATED_HEADER}` is `true` when more rows matched "
              "than were sent (the newest 10,000: narrow `since`/`until` and call again), else "
              "`false`. Each call "
              "writes one audit row `audit_log.exported` (filters, row count) once the "
              "stream ends. Rows recorded while an export runs may or may not appear.")),
]
