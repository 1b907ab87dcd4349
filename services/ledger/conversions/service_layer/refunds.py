"""Booking a refund of an earlier sale, inside a caller-given transaction.

The sale's conversion and its override (invariant 6) become Refunded, each with a ``refund``
event on the timeline and ``conversion.refunded``; a Paid one leaves a negative balance
adjustment for its affiliate. A provider's partial refund (a share below 1) refunds that share
of both rows instead (``domain/partial_refunds.py``): a ``refund`` event of the step, a lower
unpaid commission or a claw-back of a paid one, the status unchanged. A renewal that earned
nothing is refunded the same way (its row has commission 0, so nothing is clawed back). A
refund whose sale is not booked yet is parked (with its share) and applied by the transaction
that books the sale (both hold the same per-sale lock, so neither misses the other).
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from libs.contracts.attributed import AcceptedRefund
from libs.contracts.common import as_json
from libs.contracts.metrics import CONVERSION_PARTIALLY_REFUNDED, ConversionPartiallyRefunded
from libs.shared.clock import now_utc
from libs.shared.ids import new_id
from libs.shared.uow import Transaction
from services.ledger.conversions.adapters.adjustments_repository import AdjustmentsRepository
from services.ledger.conversions.adapters.booking_repository import BookingRepository
from services.ledger.conversions.adapters.refund_progress_repository import (
    RefundProgressRepository,
)
from services.ledger.conversions.adapters.repository import ConversionsRepository
from services.ledger.conversions.domain import partial_refunds, refunds
from services.ledger.conversions.domain.model import Conversion, to_response


def sale_lock(external_event_id: str) -> str:
    return f"sale:{external_event_id}"


async def book_refund(tx: Transaction, refund: AcceptedRefund) -> None:
    """Idempotent: refunding a Refunded conversion, or a share no larger than one refunded
    already, changes nothing; of the refunds parked for one sale the largest share is kept."""
    booking = BookingRepository(tx.conn)
    await booking.lock(refund.org_id, sale_lock(refund.sale_external_event_id))
    if await apply_refund(tx, refund):
        return
    parked = await booking.parked(refund.org_id, refund.sale_external_event_id)
    if parked is None or _share(refund) > _share(parked):
        await booking.park(refund, now_utc())


async def apply_refund(tx: Transaction, refund: AcceptedRefund) -> bool:
    """Refund the sale named by ``refund`` (its share of it); False when the ledger has not
    booked it yet. The caller holds the sale's lock."""
    repo, at, share = ConversionsRepository(tx.conn), refund.occurred_at, _share(refund)
    sale = await repo.sale_for_update(refund.org_id, refund.sale_external_event_id)
    if sale is not None:
        await _refund_row(tx, sale, share, at)
        override = await repo.override_for_update(sale.id)
        if override is not None:  # it follows its parent, by the same share (invariant 6)
            await _refund_row(tx, override, share, at)
        return True
    booking = BookingRepository(tx.conn)
    renewal = await booking.renewal(refund.org_id, refund.sale_external_event_id)
    if renewal is None:
        return False
    # A renewal that earned nothing, booked by an earlier version (before such renewals got a
    # row of their own): there is no row to refund, only the subscription's timeline changes,
    # and only when refunded whole (no money is at stake in part of it).
    if renewal.refunded_at is None and share == partial_refunds.WHOLE:
        await repo.add_event(refunds.unpaid_renewal_refund(
            renewal.initial_conversion_id, renewal.amount_cents, at=at, event_id=new_id()))
        await booking.set_renewal_refunded(refund.org_id, refund.sale_external_event_id, at)
    return True


def _share(refund: AcceptedRefund) -> Fraction:
    return partial_refunds.share_of(refund.refunded_cents, refund.paid_cents)


async def _refund_row(tx: Transaction, c: Conversion, share: Fraction, at: datetime) -> None:
    progress = await RefundProgressRepository(tx.conn).get(c.id)
    if share == partial_refunds.WHOLE:
        await _refund_whole(tx, c, progress, at)
    else:
        await _refund_part(tx, c, progress or refunds.unrefunded(c), share, at)


async def _refund_whole(tx: Transaction, c: Conversion, progress: refunds.RefundProgress | None,
                        at: datetime) -> None:
    done = refunds.refund(c, at=at, event_id=new_id(), adjustment_id=new_id(),
                          progress=progress)
    if done is None:
        return
    repo = ConversionsRepository(tx.conn)
    await repo.set_refunded(done.conversion)
    await repo.add_event(done.event)
    if done.adjustment is not None:
        await AdjustmentsRepository(tx.conn).add(done.adjustment)
    await tx.emit("conversion.refunded", org_id=c.org_id,
                  data=as_json(to_response(done.conversion)), created_at=at)


async def _refund_part(tx: Transaction, c: Conversion, progress: refunds.RefundProgress,
                       share: Fraction, at: datetime) -> None:
    """One step of a partial refund. Customers get no event (``conversion.refunded`` means a
    whole refund, and the reference's catalogue has no ``conversion.updated``); the rollups get
    the ledger's own, so the dashboard follows the step."""
    store = RefundProgressRepository(tx.conn)
    paid_out = c.status == "Paid" or await store.claimed(c.id)
    step = partial_refunds.refund_share(c, progress, share, paid_out=paid_out, at=at,
                                        event_id=new_id(), adjustment_id=new_id())
    if step is None:
        return
    await store.save(step.progress)
    if step.conversion.commission_cents != c.commission_cents:
        await store.set_commission(c.id, step.conversion.commission_cents)
    await ConversionsRepository(tx.conn).add_event(step.event)
    if step.adjustment is not None:
        await AdjustmentsRepository(tx.conn).add(step.adjustment)
    counted = partial_refunds.net_of_refunds(step.conversion, step.progress)
    await tx.publish(CONVERSION_PARTIALLY_REFUNDED, as_json(ConversionPartiallyRefunded(
        id=step.event.id, org_id=c.org_id, conversion=to_response(counted))))
