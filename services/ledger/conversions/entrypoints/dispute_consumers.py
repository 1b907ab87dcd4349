"""The ledger's consumer of ``tracking.dispute.opened`` and ``tracking.dispute.closed`` (its
own queue), one unit of work per burst of deliveries, in arrival order. A body that does not
validate fails its batch; the bus retries each message alone and dead-letters the bad one.
Redelivery changes nothing (``service_layer/disputes.py``)."""

from __future__ import annotations

import asyncpg

from libs.contracts.attributed import DISPUTE_CLOSED, DISPUTE_OPENED, DisputeClosed, DisputeOpened
from libs.shared.bus import Bus, Delivery
from libs.shared.uow import unit_of_work
from services.ledger.conversions.service_layer.disputes import DisputeEvent, apply_disputes

QUEUE = "disputes"
MODELS: dict[str, type[DisputeOpened] | type[DisputeClosed]] = {
    DISPUTE_OPENED: DisputeOpened, DISPUTE_CLOSED: DisputeClosed}


async def subscribe_disputes(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_disputes(deliveries: list[Delivery]) -> None:
        events: list[DisputeEvent] = [MODELS[d.routing_key].model_validate(d.body)
                                      for d in deliveries]
        async with unit_of_work(pool) as tx:
            await apply_disputes(tx, events)

    await bus.subscribe_batch(QUEUE, list(MODELS), on_disputes)
