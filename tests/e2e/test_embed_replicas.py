"""The public embedded dashboard across gateway replicas: a revoked or rotated token stops
working at once on every replica (each caches tokens; a revocation NOTIFYs them all, as an API
key's does), and the per-token and per-address limits are counted in Redis, so they hold
across replicas too. Two extra gateway processes beside the session stack, with strict embed
limits; the requests come from addresses of their own so no other test's counters move."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from tests.common.embed_api import ORIGIN, mint, read, revoke
from tests.common.orgs import Org
from tests.common.s2s import seller
from tests.common.stack import Stack, extra_gateways, wait_ready

# Two extra gateways beside the session stack's (50, 52, 57, 59 and 61 are taken).
PORT_OFFSETS = (65, 66)
TOKEN_LIMIT, ADDRESS_LIMIT = 4, 20
ACAO = "Access-Control-Allow-Origin"


@pytest.fixture(scope="module")
def replicas(stack: Stack) -> Iterator[list[str]]:
    ports = [stack.settings.gateway_port + offset for offset in PORT_OFFSETS]
    with extra_gateways(ports, {"REKOMI_EMBED_TOKEN_RATE_LIMIT_PER_MINUTE": str(TOKEN_LIMIT),
                                "REKOMI_EMBED_IP_RATE_LIMIT_PER_MINUTE": str(ADDRESS_LIMIT),
                                # what these replicas cache, they would keep for minutes
                                "REKOMI_API_KEY_CACHE_SECONDS": "300"}) as bases:
        yield bases


async def _client(address: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0)))


@pytest.fixture
async def browser(replicas: list[str]) -> AsyncIterator[aiohttp.ClientSession]:
    async with await _client("127.0.0.5") as session:
        for base in replicas:
            await wait_ready(session, base)
        yield session


async def _fresh_window() -> None:
    """Counts are per epoch minute: do not straddle a boundary."""
    left = 60 - time.time() % 60
    if left < 5:
        await asyncio.sleep(left + 0.05)


async def test_revocation_and_rotation_are_seen_at_once_by_every_replica(
        http: aiohttp.ClientSession, browser: aiohttp.ClientSession, replicas: list[str],
        org: Org) -> None:
    a, b = (await seller(http, org)), (await seller(http, org))
    revoked = await mint(http, org.auth, a.affiliate["id"])
    rotated = await mint(http, org.auth, b.affiliate["id"])
    for base in replicas:  # both replicas have both tokens cached now
        for token in (revoked, rotated):
            assert (await read(browser, token["token"], base=base))[0] == 200
    async with aiohttp.ClientSession(base_url=replicas[0]) as first:
        assert await revoke(first, org.auth, revoked["id"]) == {"ok": True}
        fresh = await mint(first, org.auth, b.affiliate["id"], rotate=True)
    for base in reversed(replicas):  # the replica that did not revoke it asks first
        assert (await read(browser, revoked["token"], base=base))[:2] == (401, {})
        assert (await read(browser, rotated["token"], base=base))[:2] == (401, {})
        assert (await read(browser, fresh["token"], base=base))[0] == 200


async def test_the_per_token_limit_holds_across_replicas(
        http: aiohttp.ClientSession, replicas: list[str], org: Org) -> None:
    s, t = (await seller(http, org)), (await seller(http, org))
    token = (await mint(http, org.auth, s.affiliate["id"]))["token"]
    other = (await mint(http, org.auth, t.affiliate["id"]))["token"]
    async with await _client("127.0.0.6") as browser:
        await _fresh_window()
        for i in range(TOKEN_LIMIT):
            assert (await read(browser, token, base=replicas[i % 2]))[0] == 200
        for base in replicas:
            status, body, headers = await read(browser, token, base=base)
            assert (status, body["error"]) == (429, "rate_limited"), body
            assert 1 <= int(headers["Retry-After"]) <= 60
            assert headers[ACAO] == ORIGIN  # the page can read why
        assert (await read(browser, other, base=replicas[0]))[0] == 200  # its own count


async def test_the_per_address_limit_holds_whatever_the_token(
        replicas: list[str], http: aiohttp.ClientSession, org: Org) -> None:
    s = await seller(http, org)
    token = (await mint(http, org.auth, s.affiliate["id"]))["token"]
    async with await _client("127.0.0.7") as browser:
        await _fresh_window()
        statuses = [(await read(browser, f"rk_embed_guess{i}", base=replicas[i % 2]))[0]
                    for i in range(ADDRESS_LIMIT)]
        assert statuses == [401] * ADDRESS_LIMIT
        status, body, headers = await read(browser, token, base=replicas[1])
        assert (status, body["error"]) == (429, "rate_limited"), body
        assert "Retry-After" in headers
        # Counted before the token is looked up, and readable all the same: the widget
        # says "try later", not "refused". Any page may learn it is being limited.
        assert (headers[ACAO], headers["Access-Control-Expose-Headers"]) == (
            ORIGIN, "Retry-After")
        elsewhere = "https://not-listed.example"
        status, _, headers = await read(browser, token, elsewhere, base=replicas[0])
        assert (status, headers[ACAO]) == (429, elsewhere)
        status, _, headers = await read(browser, token, None, base=replicas[0])
        assert status == 429 and ACAO not in headers  # no Origin, nothing to name
    async with await _client("127.0.0.8") as elsewhere:  # another address has its own count
        assert (await read(elsewhere, token, base=replicas[0]))[0] == 200
