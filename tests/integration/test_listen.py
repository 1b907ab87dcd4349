"""A LISTEN whose connection PostgreSQL dropped comes back by itself, tells its owner both
ways, and closes cleanly in any state. The backend is terminated, or PostgreSQL is made
unreachable through a TCP proxy: the shared server itself is never restarted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from yarl import URL

from libs.shared.db import create_pool
from libs.shared.listen import listen_or_poll
from libs.shared.settings import Settings
from tests.common.tcp_proxy import TcpProxy

CHANNEL = "rekomi_listen_test"


class Owner:
    """What a listener's owner hears, in order."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.lost, self.restored = asyncio.Event(), asyncio.Event()
        self.payloads: asyncio.Queue[object] = asyncio.Queue()

    def on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        self.payloads.put_nowait(payload)

    def on_lost(self) -> None:
        self.events.append("lost")
        self.lost.set()

    def on_restored(self) -> None:
        self.events.append("restored")
        self.restored.set()


@pytest.fixture
async def pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    ledger = await create_pool(settings.database_url, "ledger", min_size=1, max_size=2)
    yield ledger
    async with asyncio.timeout(10):
        await ledger.close()


@pytest.fixture
async def proxy(settings: Settings) -> AsyncIterator[TcpProxy]:
    url = URL(settings.database_url)
    tcp = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await tcp.start()
    yield tcp
    await tcp.cut()


@pytest.fixture
async def pool_behind_proxy(settings: Settings, migrated: None, proxy: TcpProxy
                            ) -> AsyncIterator[asyncpg.Pool]:
    behind = await create_pool(proxy.url(settings.database_url), "ledger", min_size=1,
                               max_size=2)
    yield behind
    async with asyncio.timeout(10):
        await behind.close()


async def terminate(settings: Settings, pid: int) -> None:
    admin = await asyncpg.connect(settings.database_url)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def notify(settings: Settings, payload: str) -> None:
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
    finally:
        await conn.close()


async def test_a_terminated_listener_reports_the_loss_listens_again_and_hears_notifies(
        settings: Settings, pool: asyncpg.Pool) -> None:
    owner = Owner()
    listener = await listen_or_poll(pool, CHANNEL, owner.on_notify, on_lost=owner.on_lost,
                                    on_restored=owner.on_restored)
    try:
        assert listener.conn is not None
        pid = listener.conn.get_server_pid()
        await terminate(settings, pid)
        async with asyncio.timeout(2):
            await owner.lost.wait()
            await owner.restored.wait()
        assert owner.events == ["lost", "restored"]
        assert listener.conn is not None and listener.conn.get_server_pid() != pid
        await notify(settings, "after the restore")
        async with asyncio.timeout(2):
            assert await owner.payloads.get() == "after the restore"
    finally:
        async with asyncio.timeout(5):
            await listener.close()


async def test_a_listener_whose_connection_was_terminated_closes_and_reports_the_loss(
        settings: Settings, pool: asyncpg.Pool) -> None:
    """Closed at once after the loss: asyncpg took the dead connection back already, and a
    reconnect may be under way or done."""
    lost = asyncio.Event()
    listener = await listen_or_poll(pool, CHANNEL, lambda *_: None, on_lost=lost.set)
    assert listener.conn is not None
    await terminate(settings, listener.conn.get_server_pid())
    async with asyncio.timeout(5):
        await lost.wait()
        await listener.close()
    assert listener.conn is None


async def test_close_during_the_reconnect_leaves_no_task_and_no_connection(
        pool_behind_proxy: asyncpg.Pool, proxy: TcpProxy) -> None:
    """No connection: the pool fixture's close would wait for it (and time out)."""
    owner = Owner()
    listener = await listen_or_poll(pool_behind_proxy, CHANNEL, owner.on_notify,
                                    on_lost=owner.on_lost, on_restored=owner.on_restored)
    await proxy.cut()
    async with asyncio.timeout(2):
        await owner.lost.wait()
    await asyncio.sleep(0.6)  # a few refused attempts
    # The pool has a task of its own restoring its floor: the listener's is named after it.
    reconnecting = [task for task in asyncio.all_tasks()
                    if task.get_name() == f"listen {CHANNEL}"]
    assert reconnecting and not any(task.done() for task in reconnecting)
    async with asyncio.timeout(5):
        await listener.close()
    assert all(task.done() for task in reconnecting)
    await proxy.restore()
    await asyncio.sleep(0.5)  # PostgreSQL is reachable again: a closed listener stays deaf
    assert owner.events == ["lost"]


async def test_a_listener_started_while_postgresql_is_away_listens_once_it_is_back(
        settings: Settings, pool_behind_proxy: asyncpg.Pool, proxy: TcpProxy) -> None:
    await proxy.cut()
    owner = Owner()
    listener = await listen_or_poll(pool_behind_proxy, CHANNEL, owner.on_notify,
                                    on_lost=owner.on_lost, on_restored=owner.on_restored)
    try:
        assert listener.conn is None
        assert owner.events == ["lost"]
        await asyncio.sleep(1.0)
        await proxy.restore()
        async with asyncio.timeout(3):
            await owner.restored.wait()
        await notify(settings, "back")
        async with asyncio.timeout(2):
            assert await owner.payloads.get() == "back"
    finally:
        async with asyncio.timeout(5):
            await listener.close()
