"""The audit-log API's query and response shapes (the gateway owns the log)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from libs.contracts.common import QueryDatetime, Resource, Timestamp

# The CSV export's header rows (the reference's, in its order). Column names are AuditLogItem's
# field names. API-key callers get the redacted one: no actor_user_id, ip or user_agent.
EXPORT_COLUMNS = ("id", "created_at", "action", "entity_type", "entity_id", "actor_type",
                  "before", "after")
# For dashboard (JWT) callers: the Owner sees who did what, from where.
EXPORT_FULL_COLUMNS = ("id", "created_at", "action", "entity_type", "entity_id", "actor_type",
                       "actor_user_id", "ip", "user_agent", "before", "after")


class AuditLogFilter(BaseModel):
    """What the list and the CSV export both filter on. ``actorUserId`` and ``ip`` filter for
    dashboard callers only: API-key callers may not filter on what they cannot see, so for
    them the two are ignored (the reference: "disabled for API-key callers")."""

    action: str | None = Field(default=None, max_length=100)
    entity_type: str | None = Field(default=None, alias="entityType", max_length=100)
    since: QueryDatetime | None = Field(default=None, description="createdAt >= since")
    until: QueryDatetime | None = Field(default=None, description="createdAt < until")
    actor_user_id: str | None = Field(default=None, alias="actorUserId", max_length=255,
                                      description="dashboard callers only; ignored for API keys")
    ip: str | None = Field(default=None, max_length=64,
                           description="dashboard callers only; ignored for API keys")

    model_config = ConfigDict(populate_by_name=True)


class AuditLogQuery(AuditLogFilter):
    # Deep enough for any log a person pages through; (page - 1) * pageSize stays far inside
    # the 64-bit OFFSET.
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=50, ge=1, le=100, alias="pageSize")


class AuditLogItem(Resource):
    id: str
    action: str
    entity_type: str = Field(alias="entityType")
    entity_id: str = Field(alias="entityId")
    actor_type: str = Field(alias="actorType")
    actor_user_id: str | None = Field(alias="actorUserId")
    ip: str | None
    user_agent: str | None = Field(alias="userAgent")
    before: str | None = Field(description="JSON text of the entity before the change")
    after: str | None = Field(description="JSON text of the entity after the change")
    created_at: Timestamp = Field(alias="createdAt")


class AuditLogPage(Resource):
    page: int
    page_size: int = Field(alias="pageSize")
    total: int
    items: list[AuditLogItem]
