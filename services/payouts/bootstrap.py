"""Wires the payouts service: its request handlers, the transfer worker and run recovery."""

from __future__ import annotations

from libs.shared.runtime import ServiceContext
from services.payouts.adapters.methods import payment_method
from services.payouts.domain.transfers import PaymentMethod
from services.payouts.entrypoints.jobs import start_payout_jobs
from services.payouts.entrypoints.rpc import handlers
from services.payouts.service_layer.deps import PayoutsDeps


async def wire(ctx: ServiceContext) -> None:
    def method_of(name: str) -> PaymentMethod:
        return payment_method(name, ctx.settings)

    deps = PayoutsDeps(ctx.pool, ctx.bus, method_of,
                       claim_timeout=ctx.settings.payouts_claim_timeout_seconds,
                       send_lease_seconds=ctx.settings.payouts_send_lease_seconds,
                       stale_run_seconds=ctx.settings.payouts_stale_run_seconds)
    await ctx.bus.serve(handlers(ctx, deps).handlers)
    start_payout_jobs(ctx, deps)
