"""Booking a refund of an earlier sale, inside a caller-given transaction.

The sale's conversion and its override (invariant 6) become Refunded, each with a ``refund``
event on the timeline and ``conversion.refunded``; a Paid one leaves a negative balance
adjustment for its affiliate. A renewal that earned nothing is refunded the same way (its row
has commission 0, so nothing is clawed back). A refund whose sale is not booked yet is parked
and applied by the transaction that books the sale (both hold the same per-sale lock, so
neither misses the other).
"""

from __future__ import annotations

from libs.contracts.attributed import AcceptedRefund
from libs.contracts.common import as_json
from libs.shared.clock import now_utc
from libs.shared.ids import new_id
from libs.shared.uow import Transaction
from services.ledger.conversions.adapters.adjustments_repository import AdjustmentsRepository
from services.ledger.conversions.adapters.booking_repository import BookingRepository
from services.ledger.conversions.adapters.repository import ConversionsRepository
from services.ledger.conversions.domain import refunds
from services.ledger.conversions.domain.model import Conversion, to_response


def sale_lock(external_event_id: str) -> str:
    return f"sale:{external_event_id}"


async def book_refund(tx: Transaction, refund: AcceptedRefund) -> None:
    """Idempotent: refunding a Refunded conversion changes nothing; a parked copy is kept once."""
    booking = BookingRepository(tx.conn)
    await booking.lock(refund.org_id, sale_lock(refund.sale_external_event_id))
    if not await apply_refund(tx, refund):
        await booking.park(refund, now_utc())


async def apply_refund(tx: Transaction, refund: AcceptedRefund) -> bool:
    """Refund the sale named by ``refund``; False when the ledger has not booked it yet. The
    caller holds the sale's lock."""
    repo, at = ConversionsRepository(tx.conn), refund.occurred_at
    sale = await repo.sale_for_update(refund.org_id, refund.sale_external_event_id)
    if sale is not None:
        await _refund_row(tx, sale, refund)
        override = await repo.override_for_update(sale.id)
        if override is not None:
            await _refund_row(tx, override, refund)
        return True
    booking = BookingRepository(tx.conn)
    renewal = await booking.renewal(refund.org_id, refund.sale_external_event_id)
    if renewal is None:
        return False
    # A renewal that earned nothing, booked by an earlier version (before such renewals got a
    # row of their own): there is no row to refund, only the subscription's timeline changes.
    if renewal.refunded_at is None:
        await repo.add_event(refunds.unpaid_renewal_refund(
            renewal.initial_conversion_id, renewal.amount_cents, at=at, event_id=new_id()))
        await booking.set_renewal_refunded(refund.org_id, refund.sale_external_event_id, at)
    return True


async def _refund_row(tx: Transaction, c: Conversion, refund: AcceptedRefund) -> None:
    done = refunds.refund(c, at=refund.occurred_at, event_id=new_id(), adjustment_id=new_id())
    if done is None:
        return
    repo = ConversionsRepository(tx.conn)
    await repo.set_refunded(done.conversion)
    await repo.add_event(done.event)
    if done.adjustment is not None:
        await AdjustmentsRepository(tx.conn).add(done.adjustment)
    await tx.emit("conversion.refunded", org_id=c.org_id,
                  data=as_json(to_response(done.conversion)), created_at=refund.occurred_at)
