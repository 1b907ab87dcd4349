"""Applying tracking's ``tracking.dispute.opened`` and ``tracking.dispute.closed`` inside a
caller-given transaction (``domain/disputes.py`` has the rules).

Opening a dispute only records it: the hold is read from the record, so there is no row to
change, nothing to emit, and a sale booked later is held from its first moment. The
reference's timeline has no hold event (initial, renewal and refund only) and its webhooks no
dispute type, so a hold shows nowhere but in ``conversion_disputes``. A lost dispute refunds
the sale whole through ``book_refund``: its events, its claw-back of a Paid commission and,
when the sale is not booked yet, its parking until the sale lands are the refund's own."""

from __future__ import annotations

from libs.contracts.attributed import AcceptedRefund, DisputeClosed, DisputeOpened
from libs.shared.uow import Transaction
from services.ledger.conversions.adapters.booking_repository import BookingRepository
from services.ledger.conversions.adapters.disputes_repository import DisputesRepository
from services.ledger.conversions.domain import disputes
from services.ledger.conversions.service_layer.refunds import book_refund

DisputeEvent = DisputeOpened | DisputeClosed


def dispute_lock(dispute_id: str) -> str:
    return f"dispute:{dispute_id}"


async def apply_disputes(tx: Transaction, events: list[DisputeEvent]) -> None:
    """A burst of dispute messages, in arrival order. Their disputes are locked first, all at
    once in one global order, so two bursts sharing disputes queue instead of deadlocking."""
    await BookingRepository(tx.conn).lock_many(
        [(e.org_id, dispute_lock(e.dispute_id)) for e in events])
    for event in events:
        await apply_dispute(tx, event)


async def apply_dispute(tx: Transaction, event: DisputeEvent) -> None:
    """Idempotent: a redelivered open or close, or an open after its close, changes nothing."""
    await BookingRepository(tx.conn).lock(event.org_id, dispute_lock(event.dispute_id))
    repo = DisputesRepository(tx.conn)
    current = await repo.state(event.org_id, event.dispute_id)
    if isinstance(event, DisputeOpened):
        step = disputes.opened(current)
    else:
        step = disputes.closed(current, won=event.won)
    if step is None:
        return
    await repo.save(event.org_id, event.dispute_id, event.sale_external_event_id, step.state,
                    event.occurred_at)
    if step.refunds_sale:
        await book_refund(tx, AcceptedRefund(
            org_id=event.org_id, external_event_id=disputes.refund_event_id(event.dispute_id),
            sale_external_event_id=event.sale_external_event_id,
            occurred_at=event.occurred_at))
