"""The audit-log API's query and response shapes (the gateway owns the log)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from libs.contracts.common import QueryDatetime, Resource


class AuditLogQuery(BaseModel):
    action: str | None = Field(default=None, max_length=100)
    entity_type: str | None = Field(default=None, alias="entityType", max_length=100)
    since: QueryDatetime | None = None
    until: QueryDatetime | None = None
    # Deep enough for any log a person pages through; (page - 1) * pageSize stays far inside
    # the 64-bit OFFSET.
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=50, ge=1, le=100, alias="pageSize")

    model_config = ConfigDict(populate_by_name=True)


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
    created_at: datetime = Field(alias="createdAt")


class AuditLogPage(Resource):
    page: int
    page_size: int = Field(alias="pageSize")
    total: int
    items: list[AuditLogItem]
