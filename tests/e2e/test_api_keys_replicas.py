"""Self-service keys across gateway replicas: a key an Owner revokes on one replica fails on
the very next request on every replica (each caches keys for minutes here; the revoking one
forgets its own at once, the NOTIFY reaches the others), and ``lastUsedAt`` appears in the list
within a flush interval of a use on any replica (that nothing is written per request:
tests/integration/test_key_usage.py). Two extra gateway processes beside the session stack."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from tests.common.api import PROGRAMS
from tests.common.api_keys_api import bearer, create, listed_key, revoke
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org
from tests.common.stack import Stack, extra_gateways, wait_ready
from tests.common.waiting import eventually

# Beside the session stack's extra gateways (50, 52, 57, 59, 61, 65 and 66 are taken).
PORT_OFFSETS = (67, 68)
FLUSH_SECONDS = 1.5


@pytest.fixture(scope="module")
def replicas(stack: Stack, issuer: TestIssuer) -> Iterator[list[str]]:
    ports = [stack.settings.gateway_port + offset for offset in PORT_OFFSETS]
    with extra_gateways(ports, {"REKOMI_JWT_ISSUER": issuer.url,  # the Owner's sign-in
                                "REKOMI_JWT_AUDIENCE": issuer.audience,
                                "REKOMI_API_KEY_CACHE_SECONDS": "300",  # kept for minutes
                                "REKOMI_API_KEY_LAST_USED_FLUSH_SECONDS": str(FLUSH_SECONDS),
                                "REKOMI_RATE_LIMIT_PER_MINUTE": "100000"}) as bases:
        yield bases


@pytest.fixture
async def sessions(replicas: list[str]) -> AsyncIterator[list[aiohttp.ClientSession]]:
    opened = [aiohttp.ClientSession(base_url=base) for base in replicas]
    try:
        for session, base in zip(opened, replicas, strict=True):
            await wait_ready(session, base)
        yield opened
    finally:
        for session in opened:
            await session.close()


async def _status(session: aiohttp.ClientSession, plaintext: str) -> int:
    async with session.get(PROGRAMS, headers=bearer(plaintext)) as response:
        return response.status


async def test_a_revoked_key_fails_on_the_next_request_on_every_replica(
        sessions: list[aiohttp.ClientSession], issuer: TestIssuer, org: Org) -> None:
    owner = issuer.operator_auth(org.org_id, "Owner")
    first, second = sessions
    made = await create(first, owner)
    for session in sessions:  # both replicas have the key cached now
        assert await _status(session, made["key"]) == 200
    assert await revoke(first, owner, made["id"]) == (204, b"")
    assert await _status(first, made["key"]) == 401  # the replica that revoked it
    # ... and the other one as soon as the revocation's NOTIFY reaches it (milliseconds: a
    # request that races the NOTIFY under load is still answered from the cache).
    async def refused() -> bool | None:
        return True if await _status(second, made["key"]) == 401 else None

    await eventually(refused, timeout=2.0, what="the other replica refuses the key")
    assert await _status(first, org.auth["Authorization"][7:]) == 200  # other keys live on


async def test_last_use_shows_within_a_flush_of_a_use_on_any_replica(
        sessions: list[aiohttp.ClientSession], issuer: TestIssuer, org: Org) -> None:
    owner = issuer.operator_auth(org.org_id, "Owner")
    first, second = sessions
    made = await create(first, owner)
    assert (await listed_key(first, owner, made["id"]))["lastUsedAt"] is None
    used_at = datetime.now(UTC).replace(microsecond=0)
    statuses = await asyncio.gather(*(_status(sessions[i % 2], made["key"])
                                      for i in range(40)))
    assert statuses == [200] * 40
    deadline = time.monotonic() + 3 * FLUSH_SECONDS + 2
    while (shown := (await listed_key(second, owner, made["id"]))["lastUsedAt"]) is None:
        assert time.monotonic() < deadline, "lastUsedAt never appeared"
        await asyncio.sleep(0.2)
    moment = datetime.fromisoformat(shown.replace("Z", "+00:00"))
    assert used_at <= moment <= datetime.now(UTC) + timedelta(seconds=1), (used_at, shown)
