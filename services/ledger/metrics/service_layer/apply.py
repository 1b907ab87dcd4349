"""Applying events to the rollups: a batch of deliveries becomes one set of increments, written
once, in the transaction that also remembers what was applied (so a redelivery adds nothing)."""

from __future__ import annotations

import uuid
from dataclasses import replace

from libs.contracts.conversions import ConversionResponse
from libs.contracts.events import DomainEvent
from libs.contracts.metrics import (
    CLICKS_ROLLED,
    CONVERSION_PARTIALLY_REFUNDED,
    CONVERSIONS_DENIED,
    CONVERSIONS_IMPORTED,
    CONVERSIONS_REVERTED,
    ClicksRolled,
    ConversionPartiallyRefunded,
)
from libs.contracts.payouts import PAYOUT_PAID, PayoutResponse
from libs.shared.bus import Delivery
from libs.shared.clock import now_utc
from libs.shared.uow import Transaction
from services.ledger.metrics.adapters.rebuild_store import lock_orgs
from services.ledger.metrics.adapters.rollups import Rollups
from services.ledger.metrics.domain.dimensions import origin_fields
from services.ledger.metrics.domain.rollup import Deltas, Fact, fact_of, imported_fact

CREATED, REFUNDED = "conversion.created", "conversion.refunded"
APPROVED, PAID = "conversion.approved", "conversion.paid"
STAGE_OF = {APPROVED: 1, PAID: 2}
ROUTING_KEYS = [CLICKS_ROLLED, CREATED, REFUNDED, APPROVED, PAID, CONVERSIONS_DENIED,
                CONVERSIONS_IMPORTED, CONVERSIONS_REVERTED, PAYOUT_PAID,
                CONVERSION_PARTIALLY_REFUNDED]


async def with_origins(repo: Rollups, facts: list[Fact], sales: list[Fact],
                       returning: set[uuid.UUID]) -> list[Fact]:
    """``facts`` marked Returning (those in ``returning``) and with the originating click and
    link of those of ``sales`` that have one: what live counting and a rebuild both store."""
    origins = await repo.origins_of([f.conversion_id for f in sales])
    return [replace(f, repeat_customer=f.conversion_id in returning,
                    **(origin_fields(origins[f.conversion_id])
                       if f.conversion_id in origins else {})) for f in facts]


async def count_new(repo: Rollups, deltas: Deltas, facts: list[Fact]) -> None:
    """Booked conversions, counted once each: three statements for the whole run of them (a
    booking burst arrives as hundreds). A sale is a repeat (``returning``) when its customer bought
    before, in the order the ledger sees the sales (a sale seen late does not reclassify the
    ones seen before it)."""
    facts = list({f.conversion_id: f for f in reversed(facts)}.values())[::-1]  # a copy once
    sales = sorted((f for f in facts if f.sale and f.counted),
                   key=lambda f: (f.day, str(f.conversion_id)))
    customers = await repo.customers_of([f.conversion_id for f in sales])
    first = await repo.first_seen(sorted({(f.org_id, customers[f.conversion_id], f.day)
                                          for f in sales if f.conversion_id in customers}))
    returning: set[uuid.UUID] = set()
    for f in sales:
        who = (f.org_id, customers.get(f.conversion_id, ""))
        if f.conversion_id not in customers:
            continue
        if who in first:
            first.discard(who)  # this sale is the customer's first
        else:
            returning.add(f.conversion_id)
    marked = await with_origins(repo, facts, sales, returning)
    new = await repo.remember_many(marked)
    for f in marked:
        if f.conversion_id in new and f.counted:
            deltas.count(f, +1)


async def lower_to_step(repo: Rollups, deltas: Deltas, step: ConversionPartiallyRefunded
                        ) -> None:
    """A partial refund's step, once: a counted conversion's money lowered to what the step
    left (what it had counted less that, off every row it counted in). A conversion the
    rollups have not seen yet counts as it stands (its ``conversion.created`` then adds
    nothing); a refunded or denied one was taken back already."""
    if not await repo.first_time(step.id, now_utc()):
        return
    standing = fact_of(step.org_id, step.conversion)
    before = await repo.lower(standing)
    if before is None:
        await count_new(repo, deltas, [standing])
    elif before.counted:
        deltas.lower(before, max(before.amount_cents - standing.amount_cents, 0),
                     max(before.commission_cents - standing.commission_cents, 0))


async def apply(tx: Transaction, deliveries: list[Delivery]) -> None:
    repo, deltas = Rollups(tx.conn), Deltas()
    await lock_orgs(tx.conn, [uuid.UUID(d.body["orgId"]) for d in deliveries], shared=True)
    booked: list[Fact] = []  # a run of bookings, counted together before anything else
    for d in deliveries:
        if d.routing_key in (CREATED, CONVERSIONS_IMPORTED):
            booked.extend(_booked(d))
            continue
        if booked:
            await count_new(repo, deltas, booked)
            booked = []
        if d.routing_key == CLICKS_ROLLED:
            if await repo.first_time(uuid.UUID(d.message_id), now_utc()):
                deltas.clicks(ClicksRolled.model_validate(d.body))
        elif d.routing_key == CONVERSION_PARTIALLY_REFUNDED:
            await lower_to_step(repo, deltas, ConversionPartiallyRefunded.model_validate(d.body))
        elif d.routing_key in (CONVERSIONS_DENIED, CONVERSIONS_REVERTED):
            for fact in await repo.uncount([uuid.UUID(i) for i in d.body["conversionIds"]]):
                deltas.count(fact, -1)
        else:
            event = DomainEvent.model_validate(d.body)
            if d.routing_key == PAYOUT_PAID:
                payout = PayoutResponse.model_validate(event.data)
                # by the payout's id too: a rebuild may have counted it already
                if await repo.first_time(event.id, now_utc(), payout.id):
                    deltas.payout(event.org_id, payout)
                continue
            fact = fact_of(event.org_id, ConversionResponse.model_validate(event.data))
            if d.routing_key in STAGE_OF:
                moved = await repo.advance(fact.conversion_id, STAGE_OF[d.routing_key])
                if moved is not None:
                    before, after = moved
                    deltas.add(after.key, before.advanced(after.stage))
            else:  # refunded: take back what was counted; a refund seen first counts nothing
                for counted in await repo.uncount([fact.conversion_id]):
                    deltas.count(counted, -1, refund=True)
                await repo.remember_many([fact])
    await count_new(repo, deltas, booked)
    await repo.write(deltas)


def _booked(d: Delivery) -> list[Fact]:
    if d.routing_key == CONVERSIONS_IMPORTED:
        org, program = uuid.UUID(d.body["orgId"]), uuid.UUID(d.body["programId"])
        return [imported_fact(org, program, row) for row in d.body["conversions"]]
    event = DomainEvent.model_validate(d.body)
    return [fact_of(event.org_id, ConversionResponse.model_validate(event.data))]
