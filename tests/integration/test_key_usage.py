"""API keys' last-use times (adapters/key_usage.py) on the real gateway app and database:
requests write nothing per request (the row stays untouched however many there are), one
batched UPDATE carries every key used since the last flush, shutdown flushes what is left, a
failed flush is retried with the newest times, and a time never goes back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from libs.shared.db import create_pool
from libs.shared.settings import Settings
from services.gateway.adapters.key_usage import KeyUsage
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http.keys import KEY_USAGE
from services.gateway.entrypoints.http.route_table import Route
from tests.common.gateway_app import serving_routes
from tests.common.orgs import new_key, new_org


async def ok(_request: web.Request, _payload: dict[str, Any]) -> dict[str, Any]:
    return {}


ROUTES = [Route("GET", "/t/key", None, "Any key", "Test", local=ok, operation="t.key",
                role=Role.Viewer)]


@pytest.fixture(scope="module")
async def pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    gateway = await create_pool(settings.database_url, "gateway", min_size=1, max_size=4)
    yield gateway
    await gateway.close()


async def _last_used(pool: asyncpg.Pool, key_id: uuid.UUID) -> datetime | None:
    moment: datetime | None = await pool.fetchval(
        "SELECT last_used_at FROM api_keys WHERE id = $1", key_id)
    return moment


async def _key_id(pool: asyncpg.Pool, headers: dict[str, str]) -> uuid.UUID:
    key_id: uuid.UUID = await pool.fetchval(
        "SELECT id FROM api_keys WHERE display_prefix = $1 AND key_hash = sha256($2::bytea)",
        headers["Authorization"][7:19], headers["Authorization"][7:].encode())
    return key_id


async def test_requests_write_nothing_until_one_batched_flush(pool: asyncpg.Pool) -> None:
    org = await new_org()
    keys = [org.auth, await new_key(org, "read")]
    ids = [await _key_id(pool, k) for k in keys]
    started = datetime.now(UTC) - timedelta(seconds=1)
    # No round within the test: only the shutdown flush writes.
    async with serving_routes(ROUTES, api_key_last_used_flush_seconds=3600) as client:
        for i in range(60):
            async with client.get("/t/key", headers=keys[i % 2]) as response:
                assert response.status == 200
        usage = client.app[KEY_USAGE]
        assert usage.flushes == 0
        assert [await _last_used(pool, i) for i in ids] == [None, None]
    assert usage.flushes == 1  # both keys, one UPDATE, at shutdown
    for key_id in ids:
        moment = await _last_used(pool, key_id)
        assert moment is not None and started <= moment <= datetime.now(UTC)


async def test_a_failed_flush_is_retried_and_times_never_go_back(pool: asyncpg.Pool,
                                                                   settings: Settings) -> None:
    org = await new_org()
    key_id = await _key_id(pool, org.auth)
    closed = await create_pool(settings.database_url, "gateway", min_size=1, max_size=1)
    await closed.close()
    usage = KeyUsage(closed)
    usage.touch(key_id)
    with pytest.raises(asyncpg.InterfaceError):
        await usage.flush()
    assert usage.flushes == 0
    usage.pool = pool
    await usage.flush()  # the failed round's time, kept
    assert usage.flushes == 1 and await _last_used(pool, key_id) is not None
    await usage.flush()  # nothing new: no statement at all
    assert usage.flushes == 1

    later = datetime.now(UTC) + timedelta(hours=1)  # another replica's newer flush
    await pool.execute("UPDATE api_keys SET last_used_at = $2 WHERE id = $1", key_id, later)
    usage.touch(key_id)
    await usage.flush()
    assert await _last_used(pool, key_id) == later
