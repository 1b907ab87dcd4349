"""The periodic purge of Idempotency-Key rows older than the window, which keeps the table to
about one window of keys. Correctness does not wait for it: a claim treats an expired row as
free. Every replica runs it; each takes a batch the others have not locked."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from aiohttp import web

from libs.shared.clock import now_utc
from libs.shared.periodic import run_periodically
from services.gateway.entrypoints.http.keys import POOL, SETTINGS
from services.gateway.service_layer.idempotency import purge_expired

PURGE_BATCH = 1000


async def idempotency_purge(app: web.Application) -> AsyncIterator[None]:
    """A cleanup context: starts after the pool, stops before it."""
    settings = app[SETTINGS]
    window = timedelta(seconds=settings.idempotency_window_seconds)

    async def purge_round() -> bool:
        purged = await purge_expired(app[POOL], now=now_utc(), window=window, batch=PURGE_BATCH)
        return purged >= PURGE_BATCH

    task = asyncio.create_task(run_periodically(
        "idempotency_purge", purge_round, settings.idempotency_purge_interval_seconds))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
