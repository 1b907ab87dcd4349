"""The bus recovers within a second of the broker's return, and says whether it can reach the
broker now. The outage is a TCP proxy between the client and the shared broker, cut and restored
(the broker itself keeps running for the other test runs)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from yarl import URL

from libs.shared.bus import Bus, RpcTimeout
from libs.shared.db import create_pool
from libs.shared.outbox import OutboxRelay, add_event
from libs.shared.settings import Settings
from tests.common.buses import NAMESPACE, MakeBus
from tests.common.tcp_proxy import TcpProxy
from tests.common.waiting import eventually

OUTAGE_SECONDS = 2.0
RECOVERY_BUDGET_SECONDS = 1.0


@pytest.fixture
async def proxy(settings: Settings) -> AsyncIterator[TcpProxy]:
    url = URL(settings.amqp_url)
    tcp = TcpProxy(url.host or "127.0.0.1", url.port or 5672)
    await tcp.start()
    yield tcp
    await tcp.cut()


@pytest.fixture
async def behind_proxy(settings: Settings, proxy: TcpProxy) -> AsyncIterator[MakeBus]:
    """``make(service)``: a bus whose connection to the broker runs through ``proxy``."""
    buses: list[Bus] = []

    async def make(service: str) -> Bus:
        bus = Bus(proxy.url(settings.amqp_url), namespace=NAMESPACE, service=service,
                  rpc_timeout=1.0)
        await bus.connect(wait_seconds=10)
        buses.append(bus)
        return bus

    yield make
    for bus in buses:
        await bus.close()


@pytest.fixture
async def client(behind_proxy: MakeBus) -> Bus:
    return await behind_proxy("caller")


@pytest.fixture
async def ledger(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings.database_url, "ledger", min_size=1, max_size=4)
    yield pool
    await pool.close()


async def _true(condition: bool) -> bool | None:
    return True if condition else None


async def _first_success(attempt: Callable[[], Awaitable[Any]], budget: float) -> float:
    """Seconds until ``attempt`` first succeeds, retried every 20 ms for ``budget`` seconds."""
    started = time.monotonic()
    while True:
        try:
            await asyncio.wait_for(attempt(), 0.5)
            return time.monotonic() - started
        except Exception:
            if time.monotonic() - started > budget:
                raise
            await asyncio.sleep(0.02)


async def _append(into: list[Any], answer: Awaitable[Any]) -> None:
    into.append(await answer)


async def test_rpc_and_publish_recover_within_a_second(make_bus: MakeBus, client: Bus,
                                                       behind_proxy: MakeBus,
                                                       proxy: TcpProxy) -> None:
    """Both sides of the call lose the broker: the caller and the service that answers."""
    service = f"svc-{uuid.uuid4().hex[:8]}"
    await (await make_bus(service)).close()  # make_bus deletes the service's queue afterwards
    server = await behind_proxy(service)

    async def echo(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    await server.serve({"echo": echo})
    assert await client.call(service, "echo", {"n": 1}) == {"n": 1}
    assert client.is_connected
    await proxy.cut()
    await asyncio.sleep(OUTAGE_SECONDS)
    ready_during_outage = client.is_connected or server.is_connected
    await proxy.restore()
    rpc = await _first_success(lambda: client.call(service, "echo", {"n": 2}), 15)
    publish = await _first_success(
        lambda: client.publish("outage.probe", {"n": 3}, message_id=uuid.uuid4().hex), 15)
    print(f"after a {OUTAGE_SECONDS}s outage: RPC answered {rpc:.3f}s after the broker's "
          f"return, a publish was confirmed {rpc + publish:.3f}s after it")
    assert not ready_during_outage
    assert rpc + publish < RECOVERY_BUDGET_SECONDS
    # Readiness follows: each bus reopens its channels as its connection comes back, which
    # may end a moment after the first answer went through (seen under a loaded machine).
    await eventually(lambda: _true(client.is_connected and server.is_connected),
                     timeout=RECOVERY_BUDGET_SECONDS, interval=0.02,
                     what="both buses ready again")


async def test_outbox_relay_resumes_within_a_second(client: Bus, proxy: TcpProxy,
                                                    ledger: asyncpg.Pool) -> None:
    """An event staged while the broker is away leaves within a second of its return."""
    relay = OutboxRelay(ledger, client, "ledger", poll_seconds=0.1)
    task = asyncio.ensure_future(relay.run())
    try:
        await proxy.cut()
        async with ledger.acquire() as conn, conn.transaction():
            event_id = await add_event(conn, "outage.relay", {"n": 1})
        await asyncio.sleep(OUTAGE_SECONDS)
        await proxy.restore()
        restored = time.monotonic()
        async with ledger.acquire() as conn:
            while await conn.fetchval("SELECT count(*) FROM outbox WHERE id = $1", event_id):
                assert time.monotonic() - restored < 15, "the event never left"
                await asyncio.sleep(0.01)
        took = time.monotonic() - restored
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await relay.close()
    print(f"after a {OUTAGE_SECONDS}s outage: the relay sent the staged event {took:.3f}s "
          "after the broker's return")
    assert took < RECOVERY_BUDGET_SECONDS


async def test_a_stalled_connection_is_dropped_and_publishing_resumes(
        make_bus: MakeBus, client: Bus, proxy: TcpProxy) -> None:
    """Nothing arrives and nothing fails (a half-open connection, or a broker that stopped
    confirming a channel): after two unconfirmed publishes the bus drops the connection and
    reconnects, so publishing and the calls made on the same connection work again, long
    before the 60-s heartbeat would have noticed."""
    service = f"svc-{uuid.uuid4().hex[:8]}"
    server = await make_bus(service)  # straight to the broker: only the client stalls

    async def echo(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    await server.serve({"echo": echo})
    assert await client.call(service, "echo", {"n": 1}) == {"n": 1}
    proxy.freeze()
    started = time.monotonic()
    with pytest.raises(RpcTimeout):
        await client.call(service, "echo", {"n": 2})
    for n in range(2):
        with pytest.raises(TimeoutError):
            await client.publish("stall.probe", {"n": n}, message_id=uuid.uuid4().hex,
                                 timeout=0.5)
    await _first_success(
        lambda: client.publish("stall.probe", {"n": 2}, message_id=uuid.uuid4().hex), 10)
    # The calls' channel can still be reopening on the new connection when plain publishing
    # works again (seen under make test's load: a call's publish failed in that moment and the
    # call was refused as unreachable, which a caller retries); within 2 s they answer.
    answers: list[Any] = []
    await _first_success(lambda: _append(answers, client.call(service, "echo", {"n": 3})), 2)
    assert answers == [{"n": 3}]
    print(f"publishing and calls resumed {time.monotonic() - started:.2f}s after the stall")
    assert time.monotonic() - started < 10
