"""Wires the payouts service: its request handlers and event consumers onto the bus."""

from __future__ import annotations

from libs.shared.runtime import ServiceContext
from services.payouts.entrypoints.rpc import handlers


async def wire(ctx: ServiceContext) -> None:
    await ctx.bus.serve(handlers(ctx).handlers)
