"""Wires the tracking service: its request handlers and event consumers onto the bus, and the
click writer that batches clicks into the database."""

from __future__ import annotations

from libs.shared.runtime import ServiceContext
from libs.shared.secret_box import OpenedCache, key_ring_of
from services.tracking.adapters.click_writer import ClickWriter
from services.tracking.adapters.stripe_promotions import StripePromotions
from services.tracking.entrypoints.click_aggregation import start_click_aggregation
from services.tracking.entrypoints.events import subscribe
from services.tracking.entrypoints.rpc import handlers
from services.tracking.service_layer.lookups import Lookups, Tracking
from services.tracking.service_layer.provider_booking import ProviderBooking
from services.tracking.service_layer.s2s import SaleIntake


def build(ctx: ServiceContext) -> Tracking:
    s = ctx.settings
    writer = ClickWriter(ctx.pool, flush_ms=s.tracking_click_flush_ms,
                         max_batch=s.tracking_click_batch_size)
    lookups = Lookups(ctx.pool, ctx.bus, s.tracking_cache_seconds)
    return Tracking(ctx.pool, lookups, writer, public_base_url=s.public_base_url,
                    sales=SaleIntake(ctx.pool, lookups))


async def wire(ctx: ServiceContext) -> None:
    # The Stripe/Paddle secrets: refuse to start without a key ring.
    opened = OpenedCache(key_ring_of(ctx.settings))
    t = build(ctx)
    ctx.spawn(t.writer.run())
    start_click_aggregation(ctx)  # CPC: clicks -> closed buckets -> ledger ClickRewards
    await subscribe(ctx.bus, t, ProviderBooking(
        ctx.pool, t.lookups, ctx.bus, opened, StripePromotions(ctx.settings.stripe_api_base)))
    await ctx.bus.serve(handlers(ctx, t).handlers)
