"""The consumer of ``tracking.subscription.ended`` (its own queue), one unit of work per burst
of deliveries; redelivery changes nothing. A body that does not validate is retried alone and
dead-lettered."""

from __future__ import annotations

import asyncpg

from libs.contracts.attributed import SUBSCRIPTION_ENDED, SubscriptionEnded
from libs.shared.bus import Bus, Delivery
from libs.shared.uow import unit_of_work
from services.ledger.metrics.service_layer.subscription_ends import subscription_ended

QUEUE = "subscription-ends"


async def subscribe_subscription_ends(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_ended(deliveries: list[Delivery]) -> None:
        events = [SubscriptionEnded.model_validate(d.body) for d in deliveries]
        async with unit_of_work(pool) as tx:
            for event in events:
                await subscription_ended(tx, event)

    await bus.subscribe_batch(QUEUE, [SUBSCRIPTION_ENDED], on_ended)
