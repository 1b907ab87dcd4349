"""Helpers for the webhook end-to-end tests: the API over HTTP and domain events on the bus."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp

from libs.contracts.events import DomainEvent
from libs.shared.bus import Bus
from libs.shared.settings import Settings
from tests.common.orgs import Org
from tests.common.waiting import eventually

WEBHOOKS = "/api/v1/webhooks"
WEBHOOK_KEYS = frozenset({"id", "url", "events", "description", "isActive", "createdAt",
                          "updatedAt", "disabledAt", "disabledReason"})
DELIVERY_KEYS = frozenset({"id", "webhookId", "eventId", "eventType", "status", "attempts",
                           "lastStatusCode", "lastError", "lastResponseBody", "nextAttemptAt",
                           "createdAt", "deliveredAt"})


async def call(http: aiohttp.ClientSession, method: str, path: str, org: Org,
               body: Any = None, expect: int = 200) -> Any:
    async with http.request(method, path, json=body, headers=org.auth) as response:
        data = await response.json(content_type=None) if response.status != 204 else None
        assert response.status == expect, (response.status, data)
    return data


async def create_webhook(http: aiohttp.ClientSession, org: Org, url: str,
                         events: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    body = {"url": url, "events": events or ["*"], **extra}
    created: dict[str, Any] = await call(http, "POST", WEBHOOKS, org, body, expect=201)
    return created


async def deliveries(http: aiohttp.ClientSession, org: Org, webhook_id: str,
                     **params: str) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in {"take": "200", **params}.items())
    page = await call(http, "GET", f"{WEBHOOKS}/{webhook_id}/deliveries?{query}", org)
    items: list[dict[str, Any]] = page["items"]
    return items


async def delivery_when(http: aiohttp.ClientSession, org: Org, webhook_id: str,
                        delivery_id: str, check: Callable[[dict[str, Any]], bool],
                        timeout: float = 15.0) -> dict[str, Any]:
    """Poll the delivery log until the delivery satisfies ``check``."""
    async def probe() -> dict[str, Any] | None:
        for item in await deliveries(http, org, webhook_id):
            if item["id"] == delivery_id and check(item):
                return item
        return None

    return await eventually(probe, timeout=timeout, what=f"delivery {delivery_id}")


async def publish(org: Org, event_type: str, data: dict[str, Any],
                  event_id: uuid.UUID | None = None, times: int = 1) -> uuid.UUID:
    """Publish a domain event to the stack's exchange as a service outbox would (``times`` > 1
    repeats the same message, as a redelivery does)."""
    settings = Settings()
    event = DomainEvent(id=event_id or uuid.uuid4(), type=event_type,
                        org_id=uuid.UUID(org.org_id), created_at=datetime.now(UTC), data=data)
    bus = Bus(settings.amqp_url, namespace=settings.namespace, service="e2e-publisher")
    await bus.connect(wait_seconds=10)
    try:
        for _ in range(times):
            await bus.publish(event_type, event.model_dump(mode="json", by_alias=True),
                              message_id=str(event.id))
    finally:
        await bus.close()
    return event.id
