"""A replica-local cache of authenticated principals, so the hot path skips PostgreSQL.

Entries live ``ttl`` seconds at most; any change to keys or plans NOTIFYs every replica, which
empties its cache at once, and a lost listener connection empties it too (fail safe)."""

from __future__ import annotations

import logging
import uuid

import asyncpg

from libs.shared.listen import Listener, listen_or_poll
from libs.shared.ttl_cache import TtlCache
from services.gateway.adapters.orgs_repository import KEYS_CHANGED_CHANNEL, OrgsRepository
from services.gateway.domain.principal import Principal

log = logging.getLogger(__name__)


class PrincipalCache:
    def __init__(self, pool: asyncpg.Pool, ttl: float) -> None:
        self.pool = pool
        # Unknown keys and orgs are not kept: a guessed key must not fill the memory.
        self._principals: TtlCache[bytes, Principal | None] = TtlCache(
            ttl, self._principal, keep=_found)
        self._orgs: TtlCache[uuid.UUID, asyncpg.Record | None] = TtlCache(
            ttl, self._org, keep=_found)
        self._listener: Listener | None = None

    async def start(self) -> None:
        self._listener = await listen_or_poll(self.pool, KEYS_CHANGED_CHANNEL, self._on_change,
                                              on_lost=self._on_lost)
        if self._listener is None:  # no way to hear of a revocation: nothing may be cached
            self._on_lost()

    async def stop(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            await listener.close()

    def _on_change(self, *_args: object) -> None:
        self._principals.clear()
        self._orgs.clear()

    def _on_lost(self, *_args: object) -> None:
        log.warning("principal cache has no listener; caching disabled until restart")
        for cache in (self._principals, self._orgs):
            cache.seconds = 0.0
            cache.clear()

    async def lookup(self, key_hash: bytes) -> Principal | None:
        return await self._principals.get(key_hash)

    async def org(self, org_id: uuid.UUID) -> asyncpg.Record | None:
        """The org row (signing secret, grace days, home currency) for the S2S hot path; any
        write to orgs NOTIFYs, which empties this too."""
        return await self._orgs.get(org_id)

    async def _principal(self, key_hash: bytes) -> Principal | None:
        async with self.pool.acquire() as conn:
            return await OrgsRepository(conn).principal(key_hash)

    async def _org(self, org_id: uuid.UUID) -> asyncpg.Record | None:
        async with self.pool.acquire() as conn:
            return await OrgsRepository(conn).org(org_id)


def _found(value: object) -> bool:
    return value is not None
