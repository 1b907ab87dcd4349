"""End-to-end fixtures: the whole stack as processes, called over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from libs.shared.settings import Settings
from tests.common.stack import Org, Stack, create_org


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    # Rate limits high enough that tests only meet them where they mean to (rate-limit tests
    # use a second, strict stack).
    running = Stack(Settings(), {"REKOMI_RATE_LIMIT_PER_MINUTE": "100000"})
    import asyncio
    asyncio.run(running.start())
    yield running
    running.stop()


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=stack.base_url) as session:
        yield session


@pytest.fixture
def org() -> Org:
    return create_org(plan="Pro", status="Active")


@pytest.fixture
def other_org() -> Org:
    return create_org(plan="Pro", status="Active")
