"""The per-key rate limit is counted in Redis, so it holds across gateway replicas."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import aiohttp
import pytest

from tests.common.api import PROGRAMS, expect_error
from tests.common.env import RATE_LIMIT_REPLICAS, block_port
from tests.common.orgs import new_org
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
