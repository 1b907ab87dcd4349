"""The event consumer: every catalogued domain event (bar the test event) is fanned out to the
org's subscribed endpoints, a burst at a time. The bus acks on return, retries a failed burst
message by message, and dead-letters after the delivery limit.

Most events have no subscriber (an S2S second publishes thousands of ``conversion.created`` for
orgs without endpoints), so a burst is first narrowed to its subscribed (org, type) pairs by one
query (``fan_out_bodies``); only those events are validated and fanned out in a transaction."""

from __future__ import annotations

import asyncpg

from libs.contracts.events import EVENT_TYPES
from libs.shared.bus import Bus, Delivery
from services.webhooks.service_layer.deliveries import TEST_EVENT, fan_out_bodies

QUEUE = "deliveries"
ROUTING_KEYS = [name for name in EVENT_TYPES if name != TEST_EVENT]


async def subscribe_events(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_events(deliveries: list[Delivery]) -> None:
        await fan_out_bodies(pool, [d.body for d in deliveries])

    await bus.subscribe_batch(QUEUE, ROUTING_KEYS, on_events)
