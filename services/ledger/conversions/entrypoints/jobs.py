"""The periodic approval of conversions whose payout grace period ended."""

from __future__ import annotations

import asyncio
import logging

from libs.shared.clock import now_utc
from libs.shared.runtime import ServiceContext
from services.ledger.conversions.service_layer.approval import approve_due

log = logging.getLogger(__name__)


async def run_approvals(ctx: ServiceContext) -> None:
    interval = ctx.settings.conversion_approval_interval_seconds
    batch = ctx.settings.conversion_approval_batch
    while True:
        try:
            done = await approve_due(ctx.pool, now=now_utc(), batch=batch)
        except Exception:  # the next round retries; a crash here must not stop the ledger
            log.exception("conversion approval round failed")
            done = 0
        if done < batch:
            await asyncio.sleep(interval)


def start_conversion_lifecycle(ctx: ServiceContext) -> None:
    ctx.spawn(run_approvals(ctx))
