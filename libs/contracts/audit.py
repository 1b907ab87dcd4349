"""Audit entries travel as ``audit.recorded`` events from the service that made the change to the
gateway, which owns the audit log; the event leaves through the writer's outbox, so an audit row
exists exactly when the change committed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from libs.contracts.common import Actor

AUDIT_ROUTING_KEY = "audit.recorded"


class AuditRecorded(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID = Field(alias="orgId")
    action: str
    entity_type: str = Field(alias="entityType")
    entity_id: str = Field(alias="entityId")
    actor: Actor
    request_id: str | None = Field(default=None, alias="requestId")
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    created_at: datetime = Field(alias="createdAt")

    model_config = ConfigDict(populate_by_name=True)
