"""Booking a burst of attributed events in one transaction, with the common case done set-wise.

One-time sales (no subscription) are the bulk of S2S traffic: for a burst of them the ledger
takes their per-sale locks, reads the credited affiliates' terms, inserts the sale rows that the
unique indexes do not already hold (``ON CONFLICT DO NOTHING``: that is how a sale booked
already is found) and writes the rest (overrides, timeline events, ``conversion.created``) for
those, in a handful of statements, not a handful per sale. Everything else (subscription sales,
refunds, leads) is booked one by one afterwards, in arrival order, by ``book_accepted``. Sales
go first, so a refund that arrived in the same burst as its sale finds it instead of being
parked. Before anything else the burst holds the affiliates it credits (and their recruiters),
so a concurrent ban either came first (their rows are booked Denied) or waits for the burst and
denies them.

The outcome is the same as booking each event alone: the same locks and keys, the same rows,
the same events (``book_sale`` stays the reference the tests compare against).
"""

from __future__ import annotations

from libs.contracts.attributed import AcceptedRefund, AcceptedSale
from libs.contracts.common import as_json
from libs.shared.ids import new_id
from libs.shared.outbox import add_events_json
from libs.shared.outbox_batch import event_body
from libs.shared.uow import Transaction
from services.ledger.conversions.adapters.booking_repository import BookingRepository
from services.ledger.conversions.adapters.origins_repository import add_origins
from services.ledger.conversions.adapters.repository import ConversionsRepository
from services.ledger.conversions.domain import booking as s2s
from services.ledger.conversions.domain.model import Conversion, ConversionEvent, to_response
from services.ledger.conversions.service_layer.booking import Accepted, book_accepted, sale_row
from services.ledger.conversions.service_layer.refunds import apply_refund, sale_lock
from services.ledger.domain.errors import AffiliateNotFound


def plain_sale(event: Accepted) -> bool:
    return isinstance(event, AcceptedSale) and event.subscription_id is None


async def book_batch(tx: Transaction, events: list[Accepted]) -> None:
    credited = {e.affiliate_id for e in events if not isinstance(e, AcceptedRefund)}
    if credited:
        await BookingRepository(tx.conn).lock_affiliates(credited)
    sales = [e for e in events if isinstance(e, AcceptedSale) and e.subscription_id is None]
    if sales:
        await book_one_time_sales(tx, sales)
    for event in events:
        if not plain_sale(event):
            await book_accepted(tx, event)


async def book_one_time_sales(tx: Transaction, sales: list[AcceptedSale]) -> None:
    unique = list({(s.org_id, s.external_event_id): s for s in reversed(sales)}.values())
    unique.reverse()  # the first copy of each key, in arrival order
    booking, repo = BookingRepository(tx.conn), ConversionsRepository(tx.conn)
    await booking.lock_many([(s.org_id, sale_lock(s.external_event_id)) for s in unique])
    targets = await booking.targets({s.affiliate_id for s in unique})
    candidates: list[tuple[AcceptedSale, s2s.Target, Conversion]] = []
    for sale in unique:
        target = targets.get(sale.affiliate_id)
        if target is None or target.org_id != sale.org_id:
            raise AffiliateNotFound(
                f"affiliate {sale.affiliate_id} is not in organization {sale.org_id}")
        candidates.append((sale, target, sale_row(sale, target)))
    inserted = await repo.add_new([row for _, _, row in candidates])
    fresh = [c for c in candidates if c[2].id in inserted]
    if not fresh:
        return
    rows: list[Conversion] = []
    overrides: list[Conversion] = []
    for _, target, row in fresh:
        rows.append(row)
        override = s2s.override_for(target, row, conversion_id=new_id())
        if override is not None:
            rows.append(override)
            overrides.append(override)
    if overrides:
        await repo.add_many(overrides)
    await add_origins(tx.conn, [sale for sale, _, _ in fresh])
    await repo.add_events([ConversionEvent(new_id(), r.id, "initial", r.amount_cents,
                                           r.commission_cents, r.created_at) for r in rows])
    bodies = [event_body("conversion.created", r.org_id, as_json(to_response(r)), r.created_at)
              for r in rows]
    await add_events_json(tx.conn, [(event_id, "conversion.created", body)
                                    for event_id, body in bodies], now=rows[0].created_at)
    for refund in await booking.take_parked_many([(sale.org_id, sale.external_event_id)
                                                  for sale, _, _ in fresh]):
        await apply_refund(tx, refund)  # its refund came first
