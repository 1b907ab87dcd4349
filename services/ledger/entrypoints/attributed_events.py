"""The ledger books what tracking accepted and attributed: ``tracking.sale.accepted``,
``tracking.refund.accepted`` and ``tracking.lead.accepted``, one unit of work per delivery.

The message body is the contract model itself (``libs/contracts/attributed.py``). A body that
does not validate, or names an affiliate the org does not have, raises: the bus retries it up to
its delivery limit, then dead-letters it to ``<queue>.dlq`` (it never loops). Redelivery changes
nothing: every booking use case is idempotent on its own keys."""

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
from services.ledger.service_layer.booking import Accepted, book

QUEUE = "attributed"
MODELS: dict[str, type[AcceptedSale] | type[AcceptedRefund] | type[AcceptedLead]] = {
    SALE_ACCEPTED: AcceptedSale, REFUND_ACCEPTED: AcceptedRefund, LEAD_ACCEPTED: AcceptedLead}


def parse(routing_key: str, body: dict[str, Any]) -> Accepted:
    return MODELS[routing_key].model_validate(body)


async def subscribe(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_accepted(delivery: Delivery) -> None:
        event = parse(delivery.routing_key, delivery.body)
        async with unit_of_work(pool) as tx:
            await book(tx, event)

    await bus.subscribe(QUEUE, ATTRIBUTED_KEYS, on_accepted)
