"""Wires the payouts service: its request handlers, the transfer worker and run recovery."""

from __future__ import annotations

from libs.shared.runtime import ServiceContext
from services.payouts.domain.transfers import MethodNotConfigured, PaymentMethod
from services.payouts.entrypoints.jobs import start_payout_jobs
from services.payouts.entrypoints.rpc import handlers
from services.payouts.service_layer.deps import PayoutsDeps


def no_provider(name: str) -> PaymentMethod:
    raise MethodNotConfigured(name)


async def wire(ctx: ServiceContext) -> None:
    deps = PayoutsDeps(ctx.pool, ctx.bus, no_provider,
                       claim_timeout=ctx.settings.payouts_claim_timeout_seconds)
    await ctx.bus.serve(handlers(ctx, deps).handlers)
    start_payout_jobs(ctx, deps)
