"""The gateway's outbox relay: events the gateway stages beside its own changes (an org's home
currency) leave for the topic exchange only after their transaction commits, as in every other
service. Replicas share the work (the relay claims rows with SKIP LOCKED)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from libs.shared.outbox import OutboxRelay
from services.gateway.entrypoints.http.keys import BUS, POOL, SETTINGS


async def outbox_relay(app: web.Application) -> AsyncIterator[None]:
    """A cleanup context: starts after the pool and the bus, stops before them."""
    relay = OutboxRelay.configured(app[POOL], app[BUS], "gateway", app[SETTINGS])
    task = asyncio.create_task(relay.run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await relay.close()
