"""Request/reply keeps working after the broker restarts (robust connection, restored queues)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest

from libs.shared.bus import Bus, RpcTimeout
from libs.shared.settings import Settings


async def rabbitmqctl(*args: str) -> None:
    proc = await asyncio.create_subprocess_exec("rabbitmqctl", "-q", *args)
    assert await proc.wait() == 0


@pytest.mark.broker_restart
async def test_rpc_survives_a_broker_restart(settings: Settings) -> None:
    service = f"svc-{uuid.uuid4().hex[:8]}"
    server = Bus(settings.amqp_url, namespace=settings.namespace, service=service,
                 rpc_timeout=1.0)
    client = Bus(settings.amqp_url, namespace=settings.namespace, service="caller",
                 rpc_timeout=1.0)
    await server.connect()
    await client.connect()

    async def echo(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    await server.serve({"echo": echo})
    try:
        assert await client.call(service, "echo", {"n": 1}) == {"n": 1}
        await rabbitmqctl("stop_app")
        try:
            with pytest.raises((RpcTimeout, ConnectionError, RuntimeError, Exception)):
                await client.call(service, "echo", {"n": 2})
        finally:
            await rabbitmqctl("start_app")
            await rabbitmqctl("await_startup")
        deadline, answer = time.monotonic() + 30, None
        while answer is None and time.monotonic() < deadline:
            try:
                answer = await client.call(service, "echo", {"n": 3})
            except Exception:
                await asyncio.sleep(0.5)
        assert answer == {"n": 3}
    finally:
        await client.close()
        await server.close()
