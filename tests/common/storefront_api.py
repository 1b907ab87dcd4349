"""The storefront, sub-affiliate and tax-form APIs as tests call them: an HTTP client with
its own client address (public routes are limited per address), the ledger's events as they
reach the bus, and attaching a tax form over the bus (there is no upload route)."""

from __future__ import annotations

import base64
import itertools
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from libs.shared.bus import Bus
from libs.shared.db import connect
from libs.shared.settings import Settings
from tests.common.events import EventRecorder
from tests.common.orgs import Org

AFFILIATES = "/api/v1/affiliates"
APPLY_KEYS = frozenset({"affiliateId", "status", "affiliateLinkSlug", "message"})
_addresses = itertools.count((os.getpid() % 200) * 250)


def fresh_address() -> str:
    """A loopback address no other test uses: its per-address rate-limit count starts at 0.
    Hosts run 2..254 in each /24 (one counter per process, so never the same address
    twice: mapping .0 and .1 onto .2 used to hand one address out three times)."""
    block, host = divmod(next(_addresses), 253)
    return f"127.{(block >> 8) & 255}.{block & 255}.{host + 2}"


@asynccontextmanager
async def client_from(base_url: str, address: str | None = None
                      ) -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(local_addr=(address or fresh_address(), 0))
    async with aiohttp.ClientSession(base_url=base_url, connector=connector) as session:
        yield session


async def create_affiliate(http: aiohttp.ClientSession, org: Org, program_id: str,
                           **overrides: Any) -> dict[str, Any]:
    body = {"programId": program_id, "email": f"a-{uuid.uuid4().hex[:8]}@example.com",
            **overrides}
    async with http.post(AFFILIATES, json=body, headers=org.auth) as response:
        created = await response.json()
        assert response.status == 201, created
    assert isinstance(created, dict)
    return created


async def events_about(recorder: EventRecorder, entity_id: str, count: int) -> list[str]:
    """The routing keys of the domain events about ``entity_id`` that reached the bus, in
    arrival order (waiting for ``count``)."""
    about = await recorder.settled(
        lambda d: (d.body.get("data") or {}).get("id") == entity_id, count)
    return [d.routing_key for d in about]


async def affiliate_row(affiliate_id: str) -> dict[str, Any] | None:
    conn = await connect(Settings().database_url, "ledger")
    try:
        row = await conn.fetchrow("SELECT * FROM affiliates WHERE id = $1",
                                  uuid.UUID(affiliate_id))
    finally:
        await conn.close()
    return dict(row) if row else None


async def ledger_call(method: str, payload: dict[str, Any]) -> Any:
    settings = Settings()
    bus = Bus(settings.amqp_url, namespace=settings.namespace, service="tests")
    await bus.connect()
    try:
        return await bus.call("ledger", method, payload)
    finally:
        await bus.close()


async def attach_tax_form(org_id: str, affiliate_id: str, data: bytes, kind: str = "W9"
                          ) -> dict[str, Any]:
    """How a tax form gets in: the ledger's ``tax_forms.attach`` method over the bus."""
    result: dict[str, Any] = await ledger_call("tax_forms.attach", {
        "orgId": org_id, "affiliateId": affiliate_id,
        "data": {"type": kind, "contentBase64": base64.b64encode(data).decode()}})
    return result
