"""LISTEN on a PostgreSQL channel from a pooled connection kept for it: what wakes the outbox
relay and the webhook dispatcher as soon as a commit NOTIFYs, instead of at their next poll,
and empties the gateway's key cache when a key or plan changes.

The LISTEN heals itself: when its connection dies (PostgreSQL restarted, the backend was
terminated) or cannot be had at start, a background task tries again with a short backoff
until it listens again. Notifications sent meanwhile are lost, so the owner is told both
ways: ``on_lost`` when it goes deaf, ``on_restored`` when it hears again (time to catch up)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from libs.shared.db import Conn

log = logging.getLogger(__name__)

OnNotify = Callable[[Conn, int, str, object], None]
OnChange = Callable[[], None]

# A terminated backend comes back at the first try; a restart takes a few seconds, and a 2-s
# cap keeps the deaf time after it short at the cost of one refused connection per try.
FIRST_RETRY_SECONDS = 0.25
RETRY_CAP_SECONDS = 2.0
# What an absent or dying PostgreSQL raises (InterfaceError: the connection or the pool closed).
UNAVAILABLE = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)


def _nothing() -> None:
    pass


class Listener:
    """One pooled connection listening on one channel while PostgreSQL lets it; ``close``
    gives it back and stops any reconnecting."""

    def __init__(self, pool: asyncpg.Pool, channel: str, callback: OnNotify, *,
                 on_lost: OnChange = _nothing, on_restored: OnChange = _nothing) -> None:
        self.pool, self.channel, self.callback = pool, channel, callback
        self.on_lost, self.on_restored = on_lost, on_restored
        self.conn: PoolConnectionProxy | None = None  # None while deaf
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def start(self) -> None:
        if not await self._listen():
            log.warning("LISTEN unavailable; polling until it is back",
                        extra={"channel": self.channel})
            self.on_lost()
            self._reconnect()

    async def close(self) -> None:
        """Safe at any time: listening, deaf, reconnecting, or closed already."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            # gather: the reconnect's cancellation is not ours to raise.
            await asyncio.gather(self._task, return_exceptions=True)
        conn, self.conn = self.conn, None
        if conn is not None:
            await self._give_back(conn)

    async def _listen(self) -> bool:
        try:
            conn = await self.pool.acquire()
        except UNAVAILABLE:
            return False
        listening = False
        try:
            # Before LISTEN, so that no loss goes unseen; ``_lost`` ignores a connection that
            # died before it was listening (this then fails and is tried again).
            conn.add_termination_listener(self._lost)
            await conn.add_listener(self.channel, self.callback)
            listening = True
        except UNAVAILABLE:
            return False
        finally:
            if not listening:  # also when close() cancels a reconnect here
                await self._give_back(conn)
        self.conn = conn
        return True

    def _lost(self, conn: Conn) -> None:
        if conn is not self.conn or self._closed:
            return
        self.conn = None
        log.warning("LISTEN connection lost; polling until it is back",
                    extra={"channel": self.channel})
        self.on_lost()
        self._reconnect()

    def _reconnect(self) -> None:
        self._task = asyncio.create_task(self._reconnect_loop(), name=f"listen {self.channel}")

    async def _reconnect_loop(self) -> None:
        delay = FIRST_RETRY_SECONDS
        while not await self._listen():
            # Jittered, so that the replicas of a service do not all reconnect in step.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(2 * delay, RETRY_CAP_SECONDS)
        log.info("LISTEN restored", extra={"channel": self.channel})
        self.on_restored()

    async def _give_back(self, conn: PoolConnectionProxy) -> None:
        """Unlisten and release. After PostgreSQL dropped the connection, asyncpg has already
        taken it back into the pool: the unlisten raises InterfaceError and the release does
        nothing, which is fine. The release is tried even when the unlisten failed, or the
        pool would wait for this connection for ever at its close."""
        with contextlib.suppress(*UNAVAILABLE):
            conn.remove_termination_listener(self._lost)
            await conn.remove_listener(self.channel, self.callback)
        with contextlib.suppress(*UNAVAILABLE):
            await self.pool.release(conn)


async def listen_or_poll(pool: asyncpg.Pool, channel: str, callback: OnNotify, *,
                         on_lost: OnChange = _nothing,
                         on_restored: OnChange = _nothing) -> Listener:
    """A started listener. When LISTEN is unavailable (logged) the caller relies on its poll
    alone until ``on_restored``; ``on_lost`` is called at start then, and whenever the
    listening connection dies later."""
    listener = Listener(pool, channel, callback, on_lost=on_lost, on_restored=on_restored)
    await listener.start()
    return listener
