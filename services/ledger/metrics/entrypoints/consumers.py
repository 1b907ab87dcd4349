"""The consumer that keeps the dashboard's rollups (its own queue): clicks rolled up by
tracking, conversions booked, refunded (in part or whole) or denied here, payouts paid by
the payouts service."""

from __future__ import annotations

import asyncpg

from libs.shared.bus import Bus, Delivery
from libs.shared.uow import unit_of_work
from services.ledger.metrics.service_layer.apply import ROUTING_KEYS, apply

QUEUE = "metrics"


async def subscribe_metrics(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_events(deliveries: list[Delivery]) -> None:
        async with unit_of_work(pool) as tx:
            await apply(tx, deliveries)

    await bus.subscribe_batch(QUEUE, ROUTING_KEYS, on_events)
