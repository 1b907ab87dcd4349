"""A brand's webhook endpoint: what it subscribes to, its secrets, and when it is disabled."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from libs.contracts.webhooks import ALL_EVENTS, WebhookCreate, WebhookResponse
from services.webhooks.domain.signing import new_secret

ROTATION_OVERLAP = timedelta(hours=24)
GONE = "The endpoint answered 410 Gone."
FAILING = "Every delivery failed for 5 days."


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: uuid.UUID
    org_id: uuid.UUID
    url: str
    events: list[str]
    description: str | None
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    is_active: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime


def new_endpoint(org_id: uuid.UUID, data: WebhookCreate, *, endpoint_id: uuid.UUID,
                 now: datetime) -> Endpoint:
    return Endpoint(id=endpoint_id, org_id=org_id, url=data.url, events=data.events,
                    description=data.description, secret=new_secret(), previous_secret=None,
                    previous_secret_expires_at=None, is_active=True, disabled_at=None,
                    disabled_reason=None, failing_since=None, created_at=now, updated_at=now)


def subscribes(endpoint: Endpoint, event_type: str) -> bool:
    return ALL_EVENTS in endpoint.events or event_type in endpoint.events


def apply_patch(endpoint: Endpoint, changes: dict[str, Any], *, now: datetime) -> Endpoint:
    """The endpoint with ``changes`` (by field name) applied; the same object when nothing
    changes. Re-activating clears the system's disable mark and the failure streak."""
    changed = {k: v for k, v in changes.items() if getattr(endpoint, k) != v}
    if changes.get("is_active") is True and endpoint.disabled_at is not None:
        changed.update(is_active=True, disabled_at=None, disabled_reason=None,
                       failing_since=None)
    if not changed:
        return endpoint
    return dataclasses.replace(endpoint, **changed, updated_at=now)


def rotate(endpoint: Endpoint, *, now: datetime) -> Endpoint:
    """A new secret; the old one keeps signing beside it for ``ROTATION_OVERLAP``."""
    return dataclasses.replace(endpoint, secret=new_secret(), previous_secret=endpoint.secret,
                               previous_secret_expires_at=now + ROTATION_OVERLAP,
                               updated_at=now)


def signing_secrets(secret: str, previous: str | None, previous_expires_at: datetime | None,
                    now: datetime) -> list[str]:
    """The secrets a delivery is signed with now: the current one, then the old one while its
    overlap lasts."""
    if previous is not None and previous_expires_at is not None and now < previous_expires_at:
        return [secret, previous]
    return [secret]


def disable(endpoint: Endpoint, reason: str, *, now: datetime) -> Endpoint:
    return dataclasses.replace(endpoint, is_active=False, disabled_at=now,
                               disabled_reason=reason, updated_at=now)


def to_response(endpoint: Endpoint) -> WebhookResponse:
    return WebhookResponse(
        id=endpoint.id, url=endpoint.url, events=endpoint.events,
        description=endpoint.description, is_active=endpoint.is_active,
        created_at=endpoint.created_at, updated_at=endpoint.updated_at,
        disabled_at=endpoint.disabled_at, disabled_reason=endpoint.disabled_reason)
