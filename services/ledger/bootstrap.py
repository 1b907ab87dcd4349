"""Wires the ledger: its request handlers onto the bus."""

from __future__ import annotations

from libs.shared.runtime import ServiceContext
from services.ledger.entrypoints.attributed_events import subscribe as subscribe_attributed
from services.ledger.entrypoints.click_rewards import subscribe_click_rewards
from services.ledger.entrypoints.conversion_lifecycle import start_conversion_lifecycle
from services.ledger.entrypoints.fx_refresh import start_fx_refresh
from services.ledger.entrypoints.mail_worker import start_invite_mail
from services.ledger.entrypoints.org_settings import subscribe_org_settings
from services.ledger.entrypoints.rpc import handlers


async def wire(ctx: ServiceContext) -> None:
    await ctx.bus.serve(handlers(ctx).handlers)
    await subscribe_attributed(ctx.bus, ctx.pool)  # sales, refunds, leads tracking accepted
    await subscribe_click_rewards(ctx.bus, ctx.pool)  # CPC: closed click buckets
    await subscribe_org_settings(ctx.bus, ctx.pool)  # the copy of each org's settings
    await start_invite_mail(ctx)  # invite e-mail: queue consumer + paced sender
    start_conversion_lifecycle(ctx)  # Pending -> Approved after the payout grace days
    start_fx_refresh(ctx)  # FX rates from REKOMI_FX_RATES_URL, daily (off when unset)
