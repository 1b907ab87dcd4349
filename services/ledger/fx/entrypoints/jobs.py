"""The periodic FX refresh: when ``REKOMI_FX_RATES_URL`` is set, every ledger replica loads it
at start and then every ``REKOMI_FX_REFRESH_INTERVAL_SECONDS`` (loads are idempotent upserts, so
replicas refreshing at once only repeat work)."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from libs.contracts.fx import LoadFxRates
from libs.shared.errors import RekomiError
from libs.shared.runtime import ServiceContext
from libs.shared.settings import Settings
from services.ledger.fx.service_layer.handlers import load_fx

log = logging.getLogger(__name__)
RETRY_SECONDS = 300.0  # after a failed fetch, try again sooner than the next day


async def refresh_once(pool: asyncpg.Pool, settings: Settings) -> bool:
    """One load of the configured URL; False (logged) when it failed."""
    try:
        summary = await load_fx(pool, LoadFxRates(url=settings.fx_rates_url),
                                timeout_seconds=settings.fx_fetch_timeout_seconds)
    except RekomiError as exc:
        log.warning("fx refresh failed", extra={"error": exc.code, "detail": exc.message})
        return False
    except Exception:  # the next round retries; a crash here must not stop the ledger
        log.exception("fx refresh crashed")
        return False
    log.info("fx rates refreshed", extra=summary)
    return True


async def run_refresh(ctx: ServiceContext) -> None:
    interval = ctx.settings.fx_refresh_interval_seconds
    while True:
        ok = await refresh_once(ctx.pool, ctx.settings)
        await asyncio.sleep(interval if ok else min(interval, RETRY_SECONDS))


def start_fx_refresh(ctx: ServiceContext) -> None:
    if ctx.settings.fx_rates_url:
        ctx.spawn(run_refresh(ctx))
