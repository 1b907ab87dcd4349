"""The ledger books what tracking accepted and attributed: ``tracking.sale.accepted``,
``tracking.refund.accepted`` and ``tracking.lead.accepted``, one unit of work per burst of
deliveries.

The message body is the contract model itself (``libs/contracts/attributed.py``). A body that
does not validate, or names an affiliate the org does not have, fails its batch; the bus then
retries each message alone, up to its delivery limit, and dead-letters the bad one to
``<queue>.dlq`` (it never loops, and its neighbours are booked). Redelivery changes nothing:
every booking use case is idempotent on its own keys."""

from __future__ import annotations

from typing import Any

import asyncpg

from libs.contracts.attributed import (
    ATTRIBUTED_KEYS,
    LEAD_ACCEPTED,
    REFUND_ACCEPTED,
    SALE_ACCEPTED,
    AcceptedLead,
    AcceptedRefund,
    AcceptedSale,
)
from libs.shared.bus import Bus, Delivery
from libs.shared.uow import unit_of_work
from services.ledger.conversions.service_layer.booking import Accepted
from services.ledger.conversions.service_layer.booking_batch import book_batch

QUEUE = "attributed"
MODELS: dict[str, type[AcceptedSale] | type[AcceptedRefund] | type[AcceptedLead]] = {
    SALE_ACCEPTED: AcceptedSale, REFUND_ACCEPTED: AcceptedRefund, LEAD_ACCEPTED: AcceptedLead}


def parse(routing_key: str, body: dict[str, Any]) -> Accepted:
    return MODELS[routing_key].model_validate(body)


async def subscribe(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_accepted(deliveries: list[Delivery]) -> None:
        events = [parse(d.routing_key, d.body) for d in deliveries]
        async with unit_of_work(pool) as tx:
            await book_batch(tx, events)

    await bus.subscribe_batch(QUEUE, ATTRIBUTED_KEYS, on_accepted)
