"""The event consumer: every catalogued domain event (bar the test event) is fanned out to the
org's subscribed endpoints. Parse, build the event, call the use case; the bus acks on return,
requeues on failure and dead-letters after its delivery limit."""

from __future__ import annotations

import asyncpg

from libs.contracts.events import EVENT_TYPES, DomainEvent
from libs.shared.bus import Bus, Delivery
from services.webhooks.service_layer.deliveries import TEST_EVENT, fan_out

QUEUE = "deliveries"
ROUTING_KEYS = [name for name in EVENT_TYPES if name != TEST_EVENT]


async def subscribe_events(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_event(delivery: Delivery) -> None:
        await fan_out(pool, DomainEvent.model_validate(delivery.body))

    await bus.subscribe(QUEUE, ROUTING_KEYS, on_event)
