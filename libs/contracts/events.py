"""Domain events: what happened to a resource, published through the writer's outbox on the
topic exchange with the event type as routing key. The webhooks service fans them out to the
brand's endpoints; ``data`` is the same resource shape the REST API returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# The catalogue of event types a brand can subscribe to (the webhooks API validates against it).
EVENT_TYPES: dict[str, str] = {
    "affiliate.created": "An affiliate joined a program (any source).",
    "affiliate.approved": "An affiliate was approved.",
    "affiliate.rejected": "An affiliate application was rejected.",
    "affiliate.updated": "An affiliate's fields or status changed.",
    "affiliate.deleted": "An affiliate was deleted (bulk action); data is its last state.",
    "conversion.created": "A sale, lead reward, click reward or override was booked.",
    "conversion.approved": "A conversion passed its grace period and became payable.",
    "conversion.refunded": "A conversion was refunded.",
    "conversion.paid": "A conversion's commission was paid (its payout was paid).",
    "lead.created": "A lead (free identified signup) was recorded.",
    "payout.created": "A payout was created for an affiliate.",
    "payout.paid": "A payout was paid.",
    "payout.failed": "A payout failed.",
    "payout.cancelled": "A failed payout was cancelled; its commissions are payable again.",
    "webhook.test": "A test event sent on request to one endpoint.",
}


class DomainEvent(BaseModel):
    """The body of a domain event on the bus (and, minus ``orgId``, of a webhook delivery)."""

    id: uuid.UUID
    type: str
    org_id: uuid.UUID = Field(alias="orgId")
    created_at: datetime = Field(alias="createdAt")
    data: dict[str, Any]

    model_config = ConfigDict(populate_by_name=True)
