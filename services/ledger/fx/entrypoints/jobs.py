"""The periodic FX refresh: when ``REKOMI_FX_RATES_URL`` is set, every ledger replica loads it
at start and then every ``REKOMI_FX_REFRESH_INTERVAL_SECONDS`` (loads are idempotent upserts, so
replicas refreshing at once only repeat work). A failed load is tried again after
``RETRY_SECONDS``, not a whole interval later."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from libs.contracts.common import as_json
from libs.contracts.fx import LoadFxRates
from libs.shared.errors import RekomiError
from libs.shared.periodic import run_periodically
from libs.shared.runtime import ServiceContext
from libs.shared.settings import Settings
from services.ledger.fx.adapters.source import FxSource
from services.ledger.fx.service_layer.handlers import load_fx

log = logging.getLogger(__name__)
RETRY_SECONDS = 300.0  # after a failed fetch, try again sooner than the next day


async def refresh_once(pool: asyncpg.Pool, settings: Settings, source: FxSource) -> bool:
    """One load of the configured URL; False (logged) when the source or its file failed."""
    try:
        summary = await load_fx(pool, LoadFxRates(url=settings.fx_rates_url), source=source)
    except RekomiError as exc:
        log.warning("fx refresh failed", extra={"error": exc.code, "detail": exc.message})
        return False
    log.info("fx rates refreshed", extra=as_json(summary))
    return True


def start_fx_refresh(ctx: ServiceContext, source: FxSource) -> None:
    if not ctx.settings.fx_rates_url:
        return
    interval = ctx.settings.fx_refresh_interval_seconds
    clock = asyncio.get_running_loop().time
    next_load = clock()

    async def refresh_when_due() -> None:
        """Rounds come every RETRY_SECONDS at most; a load happens once the last good one is
        ``interval`` old (or the last one failed)."""
        nonlocal next_load
        if clock() < next_load:
            return
        next_load = clock() + RETRY_SECONDS  # a round that raises is retried as soon
        if await refresh_once(ctx.pool, ctx.settings, source):
            next_load = clock() + interval

    ctx.spawn(run_periodically("fx_refresh", refresh_when_due, min(interval, RETRY_SECONDS)))
