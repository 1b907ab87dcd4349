"""The consumer of the payouts service's ``payout.paid`` and ``payout.cancelled`` (its own
queue): the claimed rows turn Paid, or are given back. Each event is applied once, whatever
the redeliveries (a payout is settled once)."""

from __future__ import annotations

import asyncpg

from libs.contracts.events import DomainEvent
from libs.contracts.payouts import PAYOUT_CANCELLED, PAYOUT_PAID, PayoutResponse
from libs.shared.bus import Bus, Delivery
from libs.shared.clock import now_utc
from libs.shared.uow import unit_of_work
from services.ledger.payables.service_layer.payables import release_cancelled, settle_paid

QUEUE = "payables"


async def subscribe_payables(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_payout(deliveries: list[Delivery]) -> None:
        async with unit_of_work(pool) as tx:
            for delivery in deliveries:
                event = DomainEvent.model_validate(delivery.body)
                payout = PayoutResponse.model_validate(event.data)
                if event.type == PAYOUT_PAID:
                    await settle_paid(tx, event.org_id, payout.id, payout.paid_at or now_utc())
                else:
                    await release_cancelled(tx, payout.id, now_utc())

    await bus.subscribe_batch(QUEUE, [PAYOUT_PAID, PAYOUT_CANCELLED], on_payout)
