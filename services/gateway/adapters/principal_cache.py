"""A replica-local cache of authenticated principals, so the hot path skips PostgreSQL.

Entries live ``ttl`` seconds at most; any change to keys or plans NOTIFYs every replica, which
empties its cache at once, and a lost listener connection empties it too (fail safe)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from services.gateway.adapters.orgs_repository import KEYS_CHANGED_CHANNEL, OrgsRepository
from services.gateway.domain.principal import Principal

log = logging.getLogger(__name__)
K = TypeVar("K")
V = TypeVar("V")


class PrincipalCache:
    def __init__(self, pool: asyncpg.Pool, ttl: float) -> None:
        self.pool = pool
        self.ttl = ttl
        self._entries: dict[bytes, tuple[Principal, float]] = {}
        self._orgs: dict[uuid.UUID, tuple[asyncpg.Record, float]] = {}
        self._listener: PoolConnectionProxy | None = None

    async def start(self) -> None:
        listener = await self.pool.acquire()
        await listener.add_listener(KEYS_CHANGED_CHANNEL, self._on_change)
        listener.add_termination_listener(self._on_lost)
        self._listener = listener

    async def stop(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            listener.remove_termination_listener(self._on_lost)
            await listener.remove_listener(KEYS_CHANGED_CHANNEL, self._on_change)
            await self.pool.release(listener)

    def _on_change(self, *_args: object) -> None:
        self._entries.clear()
        self._orgs.clear()

    def _on_lost(self, *_args: object) -> None:
        log.warning("principal cache listener lost; caching disabled until restart")
        self._entries.clear()
        self._orgs.clear()
        self.ttl = 0.0

    async def lookup(self, key_hash: bytes) -> Principal | None:
        return await self._cached(self._entries, key_hash,
                                  lambda repo: repo.principal(key_hash))

    async def org(self, org_id: uuid.UUID) -> asyncpg.Record | None:
        """The org row (signing secret, grace days, home currency) for the S2S hot path; any
        write to orgs NOTIFYs, which empties this too."""
        return await self._cached(self._orgs, org_id, lambda repo: repo.org(org_id))

    async def _cached(self, entries: dict[K, tuple[V, float]], key: K,
                      load: Callable[[OrgsRepository], Awaitable[V | None]]) -> V | None:
        now = time.monotonic()
        hit = entries.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        async with self.pool.acquire() as conn:
            value = await load(OrgsRepository(conn))
        if value is not None and self.ttl > 0:
            entries[key] = (value, now + self.ttl)
        return value
