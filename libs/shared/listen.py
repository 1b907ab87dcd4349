"""LISTEN on a PostgreSQL channel from a pooled connection kept for it: what wakes the outbox
relay and the webhook dispatcher as soon as a commit NOTIFYs, instead of at their next poll,
and empties the gateway's key cache when a key or plan changes."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from libs.shared.db import Conn

log = logging.getLogger(__name__)

OnNotify = Callable[[Conn, int, str, object], None]
OnLost = Callable[[Conn], None]


class Listener:
    """One pooled connection listening on one channel; ``close`` gives it back."""

    def __init__(self, pool: asyncpg.Pool, conn: PoolConnectionProxy, channel: str,
                 callback: OnNotify, on_lost: OnLost | None) -> None:
        self.pool, self.conn, self.channel, self.callback = pool, conn, channel, callback
        self.on_lost = on_lost

    async def close(self) -> None:
        """Give the connection back; after PostgreSQL restarted under it, the pool may have
        taken it back already, which is fine at shutdown (asyncpg's InterfaceError)."""
        with contextlib.suppress(asyncpg.InterfaceError, asyncpg.PostgresError, OSError):
            if self.on_lost is not None:
                self.conn.remove_termination_listener(self.on_lost)
            await self.conn.remove_listener(self.channel, self.callback)
            await self.pool.release(self.conn)


async def listen_or_poll(pool: asyncpg.Pool, channel: str, callback: OnNotify, *,
                         on_lost: OnLost | None = None) -> Listener | None:
    """The listener, or None (logged) when LISTEN is unavailable: the caller then relies on
    its poll alone. ``on_lost`` is called if the listening connection dies later."""
    try:
        conn = await pool.acquire()
    except (asyncpg.PostgresError, OSError):
        log.warning("LISTEN unavailable; polling only", extra={"channel": channel})
        return None
    try:
        await conn.add_listener(channel, callback)
    except (asyncpg.PostgresError, OSError):
        await pool.release(conn)
        log.warning("LISTEN unavailable; polling only", extra={"channel": channel})
        return None
    if on_lost is not None:
        conn.add_termination_listener(on_lost)
    return Listener(pool, conn, channel, callback, on_lost)
