"""The gateway's key cache serves nothing from memory while it cannot hear of a revocation,
and caches again once its LISTEN is back. The listening backend is terminated, or PostgreSQL
is made unreachable through a TCP proxy: the shared server itself is never restarted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from yarl import URL

from libs.shared.db import create_pool
from libs.shared.settings import Settings
from services.gateway.adapters.orgs_repository import KEYS_CHANGED_CHANNEL
from services.gateway.adapters.principal_cache import PrincipalCache
from services.gateway.domain import secrets
from tests.common.orgs import new_org
from tests.common.tcp_proxy import TcpProxy
from tests.common.waiting import eventually

TTL = 60.0


@pytest.fixture
async def key_hash(migrated: None) -> bytes:
    return secrets.hash_key((await new_org()).api_key)


@pytest.fixture
async def proxy(settings: Settings) -> AsyncIterator[TcpProxy]:
    url = URL(settings.database_url)
    tcp = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await tcp.start()
    yield tcp
    await tcp.cut()


async def started_cache(dsn: str) -> PrincipalCache:
    cache = PrincipalCache(await create_pool(dsn, "gateway", min_size=1, max_size=4), TTL)
    await cache.start()
    return cache


async def stop(cache: PrincipalCache) -> None:
    async with asyncio.timeout(10):
        await cache.stop()
        await cache.pool.close()


async def silently_revoke(settings: Settings, key_hash: bytes, revoked: bool) -> None:
    """Revoke (or restore) a key without the NOTIFY a real revocation sends: a revocation
    as a cache that could not hear it sees it."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute("UPDATE gateway.api_keys SET revoked_at = CASE WHEN $2 THEN now() "
                           "END WHERE key_hash = $1", key_hash, revoked)
    finally:
        await conn.close()


async def caches(settings: Settings, cache: PrincipalCache, key_hash: bytes) -> bool | None:
    """True when a looked-up key is served from memory (after a silent revocation a cached
    principal is still returned; a fresh read finds none), None when not (for ``eventually``)."""
    assert await cache.lookup(key_hash) is not None
    await silently_revoke(settings, key_hash, True)
    try:
        return await cache.lookup(key_hash) is not None or None
    finally:
        await silently_revoke(settings, key_hash, False)


async def terminate_listener(settings: Settings) -> None:
    admin = await asyncpg.connect(settings.database_url)
    try:
        killed = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND query LIKE $1 AND pg_terminate_backend(pid)", f"LISTEN %{KEYS_CHANGED_CHANNEL}%")
    finally:
        await admin.close()
    assert killed == 1


async def test_a_terminated_listener_drops_the_cache_and_caching_resumes_once_it_is_back(
        settings: Settings, key_hash: bytes) -> None:
    cache = await started_cache(settings.database_url)
    try:
        assert await caches(settings, cache, key_hash)
        await silently_revoke(settings, key_hash, True)
        assert await cache.lookup(key_hash) is not None  # cached, stale
        await terminate_listener(settings)

        async def dropped() -> bool | None:
            return await cache.lookup(key_hash) is None or None

        # The revocation made while the cache could not hear is honoured...
        await eventually(dropped, timeout=2, interval=0.05, what="the stale key dropped")
        await silently_revoke(settings, key_hash, False)
        # ...and caching is back once the cache listens again.
        await eventually(lambda: caches(settings, cache, key_hash), timeout=2, interval=0.05,
                         what="caching back on")
    finally:
        await stop(cache)


async def test_nothing_is_served_from_memory_while_the_cache_cannot_listen(
        settings: Settings, key_hash: bytes, proxy: TcpProxy) -> None:
    cache = await started_cache(proxy.url(settings.database_url))
    try:
        assert await caches(settings, cache, key_hash)
        await proxy.cut()
        await asyncio.sleep(0.2)
        # Cached a moment ago, yet only the database may answer now, and it is away.
        with pytest.raises(OSError):
            await cache.lookup(key_hash)
        await proxy.restore()
        await eventually(lambda: caches(settings, cache, key_hash), timeout=3, interval=0.05,
                         what="caching back on")
    finally:
        await stop(cache)
