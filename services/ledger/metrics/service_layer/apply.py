"""Applying events to the rollups: a batch of deliveries becomes one set of increments, written
once, in the transaction that also remembers what was applied (so a redelivery adds nothing)."""

from __future__ import annotations

import uuid

from libs.contracts.conversions import ConversionResponse
from libs.contracts.events import DomainEvent
from libs.contracts.metrics import (
    CLICKS_ROLLED,
    CONVERSIONS_DENIED,
    CONVERSIONS_IMPORTED,
    CONVERSIONS_REVERTED,
    ClicksRolled,
)
from libs.contracts.payouts import PAYOUT_PAID, PayoutResponse
from libs.shared.bus import Delivery
from libs.shared.clock import now_utc
from libs.shared.uow import Transaction
from services.ledger.metrics.adapters.rollups import Rollups
from services.ledger.metrics.domain.rollup import Deltas, fact_of, imported_fact

CREATED, REFUNDED = "conversion.created", "conversion.refunded"
APPROVED, PAID = "conversion.approved", "conversion.paid"
STAGE_OF = {APPROVED: 1, PAID: 2}
ROUTING_KEYS = [CLICKS_ROLLED, CREATED, REFUNDED, APPROVED, PAID, CONVERSIONS_DENIED,
                CONVERSIONS_IMPORTED, CONVERSIONS_REVERTED, PAYOUT_PAID]


async def apply(tx: Transaction, deliveries: list[Delivery]) -> None:
    repo, deltas = Rollups(tx.conn), Deltas()
    for d in deliveries:
        if d.routing_key == CLICKS_ROLLED:
            if await repo.first_time(uuid.UUID(d.message_id), now_utc()):
                deltas.clicks(ClicksRolled.model_validate(d.body))
        elif d.routing_key in (CONVERSIONS_DENIED, CONVERSIONS_REVERTED):
            for fact in await repo.uncount([uuid.UUID(i) for i in d.body["conversionIds"]]):
                deltas.count(fact, -1)
        elif d.routing_key == CONVERSIONS_IMPORTED:
            org, program = uuid.UUID(d.body["orgId"]), uuid.UUID(d.body["programId"])
            for row in d.body["conversions"]:
                fact = imported_fact(org, program, row)
                if await repo.remember(fact) and fact.counted:
                    deltas.count(fact, +1)
        else:
            event = DomainEvent.model_validate(d.body)
            if d.routing_key == PAYOUT_PAID:
                if await repo.first_time(event.id, now_utc()):
                    deltas.payout(event.org_id, PayoutResponse.model_validate(event.data))
                continue
            fact = fact_of(event.org_id, ConversionResponse.model_validate(event.data))
            if d.routing_key == CREATED:
                if await repo.remember(fact) and fact.counted:
                    deltas.count(fact, +1)
            elif d.routing_key in STAGE_OF:
                moved = await repo.advance(fact.conversion_id, STAGE_OF[d.routing_key])
                if moved is not None:
                    before, after = moved
                    deltas.add(after.key, before.advanced(after.stage))
            else:  # refunded: take back what was counted; a refund seen first counts nothing
                for counted in await repo.uncount([fact.conversion_id]):
                    deltas.count(counted, -1, refund=True)
                await repo.remember(fact)
    await repo.write(deltas)
