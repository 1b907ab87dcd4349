"""The periodic approval of conversions whose payout grace period ended."""

from __future__ import annotations

from libs.shared.clock import now_utc
from libs.shared.periodic import run_periodically
from libs.shared.runtime import ServiceContext
from services.ledger.conversions.service_layer.approval import approve_due


def start_conversion_lifecycle(ctx: ServiceContext) -> None:
    batch = ctx.settings.conversion_approval_batch

    async def approve_round() -> bool:
        return await approve_due(ctx.pool, now=now_utc(), batch=batch) >= batch

    ctx.spawn(run_periodically("conversion_approval", approve_round,
                               ctx.settings.conversion_approval_interval_seconds))
