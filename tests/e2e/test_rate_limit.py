"""The per-key rate limit is counted in Redis, so it holds across gateway replicas; a
provider's webhooks are counted per org endpoint."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import aiohttp
import pytest

from tests.common.api import PROGRAMS, expect_error
from tests.common.env import RATE_LIMIT_REPLICAS, block_port
from tests.common.orgs import new_org
from tests.common.provider_events import (
    connect_stripe,
    post_event,
    stripe_event,
    stripe_signature,
)
from tests.common.stack import Stack, extra_gateways, wait_ready

LIMIT = 10


@pytest.fixture
def replicas(stack: Stack) -> Iterator[list[str]]:
    """Two extra gateway processes with a strict limit, sharing the session stack's Redis,
    broker namespace and ledger."""
    ports = [block_port(offset) for offset in RATE_LIMIT_REPLICAS]
    with extra_gateways(ports, {"REKOMI_RATE_LIMIT_PER_MINUTE": str(LIMIT)}) as bases:
        yield bases


async def test_limit_holds_across_two_replicas(replicas: list[str]) -> None:
    org = await new_org(plan="Pro", status="Active")  # a fresh key: its count starts at zero
    async with aiohttp.ClientSession() as session:
        for base in replicas:
            await wait_ready(session, base)
        # The window is the epoch minute: do not straddle a boundary.
        left = 60 - time.time() % 60
        if left < 3:
            await asyncio.sleep(left + 0.05)
        window = int(time.time() // 60)
        statuses: list[int] = []
        remaining: list[int] = []
        for i in range(LIMIT):
            async with session.get(f"{replicas[i % 2]}{PROGRAMS}", headers=org.auth) as response:
                statuses.append(response.status)
                remaining.append(int(response.headers["X-RateLimit-Remaining"]))
        assert statuses == [200] * LIMIT
        assert remaining == list(range(LIMIT - 1, -1, -1))
        for base in replicas:  # the 11th call and later, on either replica
            async with session.get(f"{base}{PROGRAMS}", headers=org.auth) as response:
                body = await expect_error(response, 429, "rate_limited",
                                          extra=frozenset({"retryAfter"}))
                assert response.headers["X-RateLimit-Remaining"] == "0"
                retry_after = int(response.headers["Retry-After"])
                assert 1 <= retry_after <= 60
                assert body["retryAfter"] == retry_after
        assert int(time.time() // 60) == window, "the test straddled a rate-limit window"
        # Another key has its own quota.
        other = await new_org(plan="Pro", status="Active")
        async with session.get(f"{replicas[0]}{PROGRAMS}", headers=other.auth) as response:
            assert response.status == 200


@pytest.fixture
def webhook_replica(stack: Stack) -> Iterator[str]:
    """A gateway whose provider endpoints allow 3 calls a minute, and anonymous calls 2."""
    ports = [block_port(RATE_LIMIT_REPLICAS[0])]
    with extra_gateways(ports, {"REKOMI_PROVIDER_WEBHOOK_RATE_LIMIT_PER_MINUTE": "3",
                                "REKOMI_ANONYMOUS_RATE_LIMIT_PER_MINUTE": "2"}) as bases:
        yield bases[0]


async def test_provider_webhooks_are_limited_per_org_endpoint(http: aiohttp.ClientSession,
                                                              webhook_replica: str) -> None:
    """Stripe posts every account's events from a few addresses: one address may exceed the
    anonymous limit, while each org's endpoint has its own count."""
    orgs = [await new_org(), await new_org()]
    secrets = [await connect_stripe(http, org) for org in orgs]
    async with aiohttp.ClientSession(base_url=webhook_replica) as session:
        await wait_ready(session, webhook_replica)
        left = 60 - time.time() % 60
        if left < 3:
            await asyncio.sleep(left + 0.05)
        window = int(time.time() // 60)
        statuses = {}
        for org, secret in zip(orgs, secrets, strict=True):
            sent = []
            for _ in range(4):
                body = stripe_event()
                sent.append((await post_event(session, "stripe", org.handle, body,
                                              stripe_signature(body, secret)))[0])
            statuses[org.handle] = sent
        assert int(time.time() // 60) == window, "the test straddled a rate-limit window"
    assert list(statuses.values()) == [[200, 200, 200, 429]] * 2
