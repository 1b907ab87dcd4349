"""Wires the ledger: its request handlers onto the bus."""

from __future__ import annotations

from libs.shared.runtime import ServiceContext
from services.ledger.entrypoints.rpc import handlers


async def wire(ctx: ServiceContext) -> None:
    await ctx.bus.serve(handlers(ctx))
