"""A LISTEN connection that PostgreSQL dropped under it (a restart) still closes cleanly."""

from __future__ import annotations

import asyncio

import asyncpg

from libs.shared.db import create_pool
from libs.shared.listen import listen_or_poll
from libs.shared.settings import Settings


async def test_a_listener_whose_connection_was_terminated_closes_and_reports_the_loss(
        settings: Settings, migrated: None) -> None:
    pool = await create_pool(settings.database_url, "ledger", min_size=1, max_size=2)
    lost = asyncio.Event()
    try:
        listener = await listen_or_poll(pool, "rekomi_listen_test", lambda *_: None,
                                        on_lost=lambda _conn: lost.set())
        assert listener is not None
        pid = listener.conn.get_server_pid()
        admin = await asyncpg.connect(settings.database_url)
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        async with asyncio.timeout(5):
            await lost.wait()
            await listener.close()
    finally:
        async with asyncio.timeout(10):
            await pool.close()
