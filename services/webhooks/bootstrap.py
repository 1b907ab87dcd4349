"""Wires the webhooks service: its request handlers, the event consumer that fans events out
to endpoints, and the dispatcher that delivers them."""

from __future__ import annotations

from libs.shared.runtime import ServiceContext
from libs.shared.secret_box import get_key_ring, key_ring_of
from libs.shared.settings import Settings
from services.webhooks.adapters.sealed_secrets import seal_legacy_rows
from services.webhooks.adapters.sender import Sender
from services.webhooks.entrypoints.amqp import subscribe_events
from services.webhooks.entrypoints.dispatcher import DispatchConfig, Dispatcher
from services.webhooks.entrypoints.rpc import handlers


def dispatcher_of(ctx: ServiceContext) -> Dispatcher:
    return Dispatcher(ctx.pool, sender_of(ctx.settings), dispatch_config(ctx.settings))


def sender_of(settings: Settings) -> Sender:
    return Sender(allow_loopback=settings.webhooks_allow_loopback,
                  timeout=settings.webhooks_timeout_seconds,
                  body_limit=settings.webhooks_response_body_limit,
                  connections=settings.webhooks_dispatch_concurrency)


def dispatch_config(settings: Settings) -> DispatchConfig:
    return DispatchConfig(concurrency=settings.webhooks_dispatch_concurrency,
                          per_endpoint=settings.webhooks_endpoint_concurrency,
                          rate_per_second=settings.webhooks_endpoint_rate_per_second,
                          timeout=settings.webhooks_timeout_seconds,
                          poll_seconds=settings.webhooks_poll_seconds,
                          time_scale=settings.webhooks_retry_time_scale)


async def wire(ctx: ServiceContext) -> None:
    # Refuses to start without a usable REKOMI_SECRETS_KEYS (required outside development),
    # and seals what was stored in clear before serving anything.
    key_ring_of(ctx.settings)
    await seal_legacy_rows(ctx.pool, get_key_ring(), ctx.settings.secrets_reseal_batch)
    await ctx.bus.serve(handlers(ctx).handlers)
    await subscribe_events(ctx.bus, ctx.pool)
    ctx.spawn(dispatcher_of(ctx).run())
