"""Helpers for the affiliate end-to-end tests: fast orgs, the affiliates API over HTTP, and a
recorder of the domain events the ledger publishes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import aiohttp

from libs.shared.bus import Bus, Delivery
from libs.shared.db import connect
from libs.shared.settings import Settings
from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.domain.scopes import Scope
from services.gateway.service_layer import admin
from tests.common.api import eventually
from tests.common.stack import Org

AFFILIATES = "/api/v1/affiliates"
APPLICATIONS = f"{AFFILIATES}/applications"
BULK = f"{AFFILIATES}/bulk-action"
AFFILIATE_KEYS = frozenset({
    "id", "programId", "email", "fullName", "status", "customCommissionType",
    "customCommissionValue", "tags", "notes", "source", "appliedAt", "approvedAt", "createdAt",
    "links",
})
LINK_KEYS = frozenset({"id", "affiliateId", "slug", "customAlias", "isDefault", "format",
                       "createdAt"})
# Never in an API-key response, under any spelling.
SECRET_KEYS = frozenset({"applicationData", "paypalEmail", "clerkUserId",
                         "stripeConnectAccountId", "taxFormStatus", "kycStatus",
                         "rejectionReason", "deletedAt", "orgId"})


async def new_org(plan: str = "Pro", status: str = "Active") -> Org:
    """An org with a read_write key, made in-process by the same service function as
    ``rekomi admin create-org`` (a CLI subprocess per test would dominate the runtime)."""
    handle = f"org-{uuid.uuid4().hex[:10]}"
    conn = await connect(Settings().database_url, "gateway")
    try:
        made = await admin.create_org(conn, name=f"Brand {handle}", handle=handle,
                                      plan=Tier(plan), status=SubscriptionStatus(status))
    finally:
        await conn.close()
    return Org(str(made.org_id), made.handle, made.api_key, made.signing_secret)


async def new_key(org: Org, scope: str) -> dict[str, str]:
    """Authorization headers for a fresh key of ``scope`` on ``org``."""
    conn = await connect(Settings().database_url, "gateway")
    try:
        _key_id, plaintext = await admin.create_key(conn, uuid.UUID(org.org_id), Scope(scope))
    finally:
        await conn.close()
    return {"Authorization": f"Bearer {plaintext}"}


async def call(http: aiohttp.ClientSession, method: str, path: str, org: Org,
               body: Any = None, expect: int = 200) -> Any:
    """One API call that must answer ``expect``; returns the JSON body."""
    async with http.request(method, path, json=body, headers=org.auth) as response:
        data = await response.json(content_type=None)
        assert response.status == expect, (method, path, response.status, data)
    return data


async def get_page(http: aiohttp.ClientSession, org: Org, path: str = AFFILIATES,
                   **params: str) -> dict[str, Any]:
    """One page of a list, which must answer 200."""
    async with http.get(path, params=params, headers=org.auth) as response:
        page: dict[str, Any] = await response.json()
        assert response.status == 200, page
    assert set(page) == {"items", "nextCursor", "hasMore"}, page
    return page


def affiliate_body(program_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"programId": program_id,
                            "email": f"aff-{uuid.uuid4().hex[:10]}@example.com"}
    body.update(overrides)
    return body


async def create_affiliate(http: aiohttp.ClientSession, org: Org, program_id: str,
                           **overrides: Any) -> dict[str, Any]:
    created: dict[str, Any] = await call(http, "POST", AFFILIATES, org,
                                         affiliate_body(program_id, **overrides), expect=201)
    return created


async def get_affiliate(http: aiohttp.ClientSession, org: Org, affiliate_id: str
                        ) -> dict[str, Any]:
    found: dict[str, Any] = await call(http, "GET", f"{AFFILIATES}/{affiliate_id}", org)
    return found


async def list_ids(http: aiohttp.ClientSession, org: Org, path: str = AFFILIATES,
                   **params: str) -> list[str]:
    """The ids of one page of at most 200 (the tests stay below that)."""
    page = await get_page(http, org, path, take="200", **params)
    assert page["hasMore"] is False and page["nextCursor"] is None, page
    return [item["id"] for item in page["items"]]


async def bulk(http: aiohttp.ClientSession, org: Org, action: str, ids: list[str]
               ) -> dict[str, Any]:
    result: dict[str, Any] = await call(http, "POST", BULK, org,
                                        {"affiliateIds": ids, "action": action})
    return result


@dataclass
class EventRecorder:
    """Every domain event matching ``keys`` (default ``affiliate.*``), as received from the bus
    on a queue of its own (deleted at the end)."""

    bus: Bus
    queue: str
    received: list[Delivery] = field(default_factory=list)

    @classmethod
    async def start(cls, keys: tuple[str, ...] = ("affiliate.*",)) -> EventRecorder:
        settings = Settings()
        bus = Bus(settings.amqp_url, namespace=settings.namespace, service="e2e-events")
        await bus.connect(wait_seconds=10)
        name = f"events-{uuid.uuid4().hex[:8]}"
        recorder = cls(bus, f"{settings.namespace}.e2e-events.{name}")

        async def on_event(delivery: Delivery) -> None:
            recorder.received.append(delivery)

        await bus.subscribe(name, list(keys), on_event)
        return recorder

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [d.body for d in self.received]

    async def stop(self) -> None:
        await self.bus.close()
        connection = await aio_pika.connect(Settings().amqp_url)
        async with connection:
            channel = await connection.channel()
            for name in (self.queue, f"{self.queue}.dlq"):
                await channel.queue_delete(name)

    def of(self, org: Org) -> list[Delivery]:
        return [d for d in self.received if d.body.get("orgId") == org.org_id]

    async def settled(self, match: Callable[[Delivery], bool], count: int,
                      timeout: float = 15.0) -> list[Delivery]:
        """The received events ``match`` accepts, in arrival order, once there are ``count``
        of them and half a second more has passed (so that one too many shows too)."""
        async def enough() -> list[Delivery] | None:
            seen = [d for d in self.received if match(d)]
            return seen if len(seen) >= count else None

        await eventually(enough, timeout=timeout, what=f"{count} events")
        await asyncio.sleep(0.5)
        return [d for d in self.received if match(d)]

    async def wait_for(self, org: Org, count: int, timeout: float = 10.0) -> list[Delivery]:
        """Exactly ``count`` events for ``org`` (fails at once on more, or at the deadline)."""
        async def probe() -> list[Delivery] | None:
            seen = self.of(org)
            assert len(seen) <= count, [d.routing_key for d in seen]
            return seen if len(seen) == count else None
        return await eventually(probe, timeout=timeout, what=f"{count} affiliate events")


async def set_private_fields(affiliate_id: str) -> None:
    """Fill the stored-only columns the API can never set (an applicant's form answers, a
    payout email), to prove that API-key responses leave them out."""
    conn = await connect(Settings().database_url, "ledger")
    try:
        done = await conn.execute(
            "UPDATE affiliates SET application_data = $2::jsonb, paypal_email = $3, "
            "rejection_reason = $4 WHERE id = $1", uuid.UUID(affiliate_id),
            '{"why": "my audience"}', "payme@example.com", "internal reason")
    finally:
        await conn.close()
    assert done == "UPDATE 1"
