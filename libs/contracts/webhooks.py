"""Customer webhooks: endpoint request bodies, the endpoint and delivery shapes, and the
webhooks service's request/reply methods."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from libs.contracts.common import Actor, ApiModel, CursorText, PatchBody, Resource, Timestamp
from libs.contracts.events import EVENT_TYPES
from libs.shared.errors import ValidationFailed
from libs.shared.rpc import Rpc

ALL_EVENTS = "*"
MAX_EVENTS = 50

Url = Annotated[str, Field(min_length=1, max_length=2048)]
Description = Annotated[str, Field(max_length=500)]
EventList = Annotated[list[str], Field(min_length=1, max_length=MAX_EVENTS)]


def catalogue_text() -> str:
    """The event catalogue as Markdown, for the API description."""
    return "\n".join(f"- `{name}`: {text}" for name, text in EVENT_TYPES.items())


def _valid_events(events: list[str] | None) -> list[str] | None:
    if events is None:
        return None
    unknown = [e for e in events if e != ALL_EVENTS and e not in EVENT_TYPES]
    if unknown:
        # The envelope error itself, so the field survives pydantic (see programs.py).
        raise ValidationFailed(f"unknown event type {unknown[0]!r}; see the event catalogue",
                               field="events")
    if ALL_EVENTS in events and len(events) > 1:
        raise ValidationFailed('"*" subscribes to every event and must be alone', field="events")
    return list(dict.fromkeys(events))


class DeliveryStatus(StrEnum):
    Pending = "Pending"
    Succeeded = "Succeeded"
    Failed = "Failed"
    Retrying = "Retrying"


class WebhookCreate(ApiModel):
    url: Url
    events: EventList
    description: Description | None = None

    _events = field_validator("events")(_valid_events)


class WebhookPatch(PatchBody):
    """Only the keys sent change; ``description: null`` clears it, other keys refuse null.
    ``isActive: true`` also re-enables an endpoint the system disabled."""

    url: Url | None = None
    events: EventList | None = None
    description: Description | None = None
    is_active: StrictBool | None = Field(default=None, alias="isActive")

    _events = field_validator("events")(_valid_events)
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"description"})


class WebhookResponse(Resource):
    id: uuid.UUID
    url: str
    events: list[str]
    description: str | None
    is_active: bool = Field(alias="isActive")
    created_at: Timestamp = Field(alias="createdAt")
    updated_at: Timestamp = Field(alias="updatedAt")
    disabled_at: Timestamp | None = Field(alias="disabledAt",
                                         description="Set when Rekomi disabled the endpoint")
    disabled_reason: str | None = Field(alias="disabledReason")


class WebhookCreated(WebhookResponse):
    secret: str = Field(description="whsec_...; shown only here and on rotation")


class WebhookList(Resource):
    items: list[WebhookResponse]
    next_cursor: str | None = Field(alias="nextCursor")
    has_more: bool = Field(alias="hasMore")


class SecretRotated(Resource):
    secret: str
    previous_secret_expires_at: Timestamp = Field(alias="previousSecretExpiresAt")


class DeliveryResponse(Resource):
    id: str = Field(description="ULID; the X-Rekomi-Delivery-Id of every attempt")
    webhook_id: uuid.UUID = Field(alias="webhookId")
    event_id: uuid.UUID = Field(alias="eventId")
    event_type: str = Field(alias="eventType")
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None = Field(alias="lastStatusCode")
    last_error: str | None = Field(alias="lastError")
    last_response_body: str | None = Field(alias="lastResponseBody",
                                           description="The first 1 KiB of the last response")
    next_attempt_at: Timestamp | None = Field(alias="nextAttemptAt")
    created_at: Timestamp = Field(alias="createdAt")
    delivered_at: Timestamp | None = Field(alias="deliveredAt")


class DeliveryList(Resource):
    items: list[DeliveryResponse]
    next_cursor: str | None = Field(alias="nextCursor")
    has_more: bool = Field(alias="hasMore")


class WebhookListQuery(BaseModel):
    take: int = Field(default=50, ge=1, le=200)
    cursor: CursorText | None = None


class DeliveryListQuery(WebhookListQuery):
    status: DeliveryStatus | None = None
    event_type: str | None = Field(default=None, alias="eventType", max_length=100)

    model_config = ConfigDict(populate_by_name=True)


# ---- the webhooks service's request/reply methods -------------------------------------------
class OrgScoped(BaseModel):
    org_id: uuid.UUID = Field(alias="orgId")
    model_config = ConfigDict(populate_by_name=True)


class ListWebhooks(OrgScoped):
    take: int = 50
    cursor: CursorText | None = None


class GetWebhook(OrgScoped):
    endpoint_id: uuid.UUID = Field(alias="endpointId")


class CreateWebhook(OrgScoped):
    actor: Actor
    data: WebhookCreate


class UpdateWebhook(OrgScoped):
    actor: Actor
    endpoint_id: uuid.UUID = Field(alias="endpointId")
    data: WebhookPatch


class DeleteWebhook(OrgScoped):
    actor: Actor
    endpoint_id: uuid.UUID = Field(alias="endpointId")


class RotateSecret(DeleteWebhook):
    pass


class SendTest(DeleteWebhook):
    pass


class ListDeliveries(OrgScoped):
    endpoint_id: uuid.UUID = Field(alias="endpointId")
    take: int = 50
    cursor: CursorText | None = None
    status: DeliveryStatus | None = None
    event_type: str | None = Field(default=None, alias="eventType")


class ResendDelivery(OrgScoped):
    actor: Actor
    delivery_id: str = Field(alias="deliveryId", pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$")


# ---- declared methods ------------------------------------------------------------------------
LIST_WEBHOOKS = Rpc("webhooks", "webhooks.list", ListWebhooks, WebhookList)
GET_WEBHOOK = Rpc("webhooks", "webhooks.get", GetWebhook, WebhookResponse)
CREATE_WEBHOOK = Rpc("webhooks", "webhooks.create", CreateWebhook, WebhookCreated)
UPDATE_WEBHOOK = Rpc("webhooks", "webhooks.update", UpdateWebhook, WebhookResponse)
DELETE_WEBHOOK: Rpc[DeleteWebhook, BaseModel] = Rpc("webhooks", "webhooks.delete",
                                                    DeleteWebhook, None)
ROTATE_SECRET = Rpc("webhooks", "webhooks.rotate_secret", RotateSecret, SecretRotated)
SEND_TEST = Rpc("webhooks", "webhooks.test", SendTest, DeliveryResponse)
LIST_DELIVERIES = Rpc("webhooks", "webhooks.deliveries", ListDeliveries, DeliveryList)
RESEND_DELIVERY = Rpc("webhooks", "webhooks.resend", ResendDelivery, DeliveryResponse)
