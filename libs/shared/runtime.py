"""Running one back-end service process: pool, bus, outbox relay, ops server, clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
import uvloop

from libs.shared.bus import Bus
from libs.shared.db import create_pool
from libs.shared.gc_tuning import tune_after_startup
from libs.shared.logging import configure_logging
from libs.shared.ops import start_ops_server
from libs.shared.outbox import OutboxRelay
from libs.shared.settings import Settings, get_settings

log = logging.getLogger(__name__)


@dataclass
class ServiceContext:
    """What a service's bootstrap receives: its settings and live connections."""

    name: str
    settings: Settings
    pool: asyncpg.Pool
    bus: Bus
    background: list[asyncio.Task[None]] = field(default_factory=list)

    def spawn(self, coro: Awaitable[None]) -> None:
        self.background.append(asyncio.ensure_future(coro))


async def open_context(name: str, settings: Settings) -> ServiceContext:
    pool = await create_pool(settings.database_url, name, min_size=settings.db_pool_min,
                             max_size=settings.db_pool_max)
    bus = Bus(settings.amqp_url, namespace=settings.namespace, service=name,
              prefetch=settings.bus_prefetch, delivery_limit=settings.bus_delivery_limit,
              rpc_timeout=settings.rpc_timeout_seconds)
    await bus.connect()
    return ServiceContext(name=name, settings=settings, pool=pool, bus=bus)


async def close_context(ctx: ServiceContext) -> None:
    for task in ctx.background:
        task.cancel()
    for task in ctx.background:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    await ctx.bus.close()
    await ctx.pool.close()


async def _serve(name: str, wire: Callable[[ServiceContext], Awaitable[None]]) -> None:
    settings = get_settings()
    ctx = await open_context(name, settings)
    relay = OutboxRelay.configured(ctx.pool, ctx.bus, name, settings)
    ctx.spawn(relay.run())
    await wire(ctx)

    async def ready() -> bool:
        async with ctx.pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
        return ctx.bus.is_connected

    ops = await start_ops_server(settings.ops_host, settings.ops_port(name), ready)
    tune_after_startup()
    log.info("service started", extra={"port": settings.ops_port(name)})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("service stopping")
    await ops.cleanup()
    await relay.close()
    await close_context(ctx)


def run_service(name: str, wire: Callable[[ServiceContext], Awaitable[None]]) -> None:
    """The ``__main__`` of every back-end service."""
    settings = get_settings()
    configure_logging(name, settings.log_level, settings.log_json)
    uvloop.run(_serve(name, wire))
