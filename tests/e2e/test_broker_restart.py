"""The running stack recovers by itself after RabbitMQ restarts: calls answer again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.common.env import REPLICAS_STACK
from tests.common.orgs import Org, new_org
from tests.common.stack import Stack, stack_at

OUTAGE_SECONDS = 8


async def rabbitmqctl(*args: str) -> None:
    proc = await asyncio.create_subprocess_exec("rabbitmqctl", "-q", *args)
    assert await proc.wait() == 0


@pytest.fixture
async def own_stack() -> AsyncIterator[Stack]:
    stack = stack_at(REPLICAS_STACK)  # run alone (make test), so these ports are free
    await stack.start()
    yield stack
    stack.stop()


async def status_of(session: aiohttp.ClientSession, org: Org) -> int:
    try:
        async with session.get("/api/v1/programs", headers=org.auth,
                               timeout=aiohttp.ClientTimeout(total=8)) as response:
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return 0


@pytest.mark.broker_restart
async def test_stack_answers_again_after_a_broker_restart(own_stack: Stack) -> None:
    org = await new_org()
    async with aiohttp.ClientSession(own_stack.base_url) as session:
        assert await status_of(session, org) == 200
        await rabbitmqctl("stop_app")
        try:
            # Calls keep arriving during the outage: they fail, and must not poison the
            # channels the stack uses once the broker is back.
            deadline = time.monotonic() + OUTAGE_SECONDS
            while time.monotonic() < deadline:
                assert await status_of(session, org) != 200
                await asyncio.sleep(0.3)
        finally:
            await rabbitmqctl("start_app")
            await rabbitmqctl("await_startup")
        deadline, status = time.monotonic() + 45, 0
        while status != 200 and time.monotonic() < deadline:
            status = await status_of(session, org)
            if status != 200:
                await asyncio.sleep(0.5)
        assert status == 200, "the stack did not recover after the broker came back"
        # and keeps answering (not a one-off)
        assert [await status_of(session, org) for _ in range(5)] == [200] * 5
