"""Booking what tracking accepted and attributed: sales (one-time, a subscription's initial sale
or a renewal), refunds and leads, each inside a caller-given transaction, so a consumer may book
several deliveries in one.

Each use case is idempotent on its own: tracking's conversion id is the row's primary key and
(org, externalEventId) is unique (money invariant 1), every renewal is keyed in
``subscription_renewals`` too, and per-key transaction locks keep concurrent copies from
interleaving. Commission is computed here, once, from the terms in force now; a Banned
affiliate's rows are booked Denied (``domain/denials.py``), a Paused one's are not. Booking
writes no audit row: it is ingestion, not a configuration change."""

from __future__ import annotations

import uuid

from libs.contracts.attributed import AcceptedLead, AcceptedRefund, AcceptedSale
from libs.shared.uow import Transaction
from services.ledger.conversions.adapters.booking_repository import BookingRepository, RenewalRow
from services.ledger.conversions.adapters.origins_repository import add_origins
from services.ledger.conversions.adapters.repository import ConversionsRepository
from services.ledger.conversions.domain import booking as s2s
from services.ledger.conversions.domain import recurring
from services.ledger.conversions.domain.model import Conversion
from services.ledger.conversions.service_layer.leads import book_lead_row
from services.ledger.conversions.service_layer.recording import book_with_override
from services.ledger.conversions.service_layer.refunds import apply_refund, book_refund, sale_lock
from services.ledger.domain.errors import AffiliateNotFound

Accepted = AcceptedSale | AcceptedRefund | AcceptedLead

__all__ = ["Accepted", "book_accepted", "book_lead", "book_refund", "book_sale"]


async def book_accepted(tx: Transaction, event: Accepted) -> None:
    if isinstance(event, AcceptedSale):
        await book_sale(tx, event)
    elif isinstance(event, AcceptedRefund):
        await book_refund(tx, event)
    else:
        await book_lead(tx, event)


async def book_sale(tx: Transaction, sale: AcceptedSale) -> None:
    booking = BookingRepository(tx.conn)
    await booking.lock(sale.org_id, sale_lock(sale.external_event_id))
    if await _already_booked(tx, sale):
        return
    target, terms = await _target(booking, sale.org_id, sale.affiliate_id)
    row = sale_row(sale, target)
    if sale.subscription_id is None:
        await book_with_override(tx, target, row, None)
    else:
        await _book_subscription_sale(tx, sale, sale.subscription_id, target, terms, row)
    await add_origins(tx.conn, [sale])
    parked = await booking.take_parked(sale.org_id, sale.external_event_id)
    if parked is not None:  # its refund came first
        await apply_refund(tx, parked)


async def book_lead(tx: Transaction, lead: AcceptedLead) -> None:
    booking = BookingRepository(tx.conn)
    target, _ = await _target(booking, lead.org_id, lead.affiliate_id)
    email = lead.email.strip().lower()
    event_id = lead.external_event_id or f"lead:{target.program_id}:{email}"
    await booking.lock(lead.org_id, f"lead:{event_id}")
    row = s2s.lead_conversion(target, email=email, external_event_id=event_id,
                              currency=lead.currency, conversion_id=lead.conversion_id,
                              now=lead.occurred_at, grace_days=lead.payout_grace_days)
    await book_lead_row(tx, target, row, email, None)


async def _already_booked(tx: Transaction, sale: AcceptedSale) -> bool:
    repo = ConversionsRepository(tx.conn)
    if await repo.booked(sale.org_id, sale.conversion_id, sale.external_event_id):
        return True
    return await BookingRepository(tx.conn).renewal(sale.org_id, sale.external_event_id) is not None


async def _target(booking: BookingRepository, org_id: uuid.UUID, affiliate_id: uuid.UUID
                  ) -> tuple[s2s.Target, recurring.RecurringTerms]:
    await booking.lock_affiliates({affiliate_id})  # its status may not change until commit
    found = await booking.target(org_id, affiliate_id)
    if found is None:  # not retryable in substance: the bus dead-letters it after its retries
        raise AffiliateNotFound(f"affiliate {affiliate_id} is not in organization {org_id}")
    return found


def sale_row(sale: AcceptedSale, target: s2s.Target) -> Conversion:
    """The sale's conversion under tracking's id, dated when tracking accepted it."""
    return s2s.sale_conversion(
        target, s2s.Sale(sale.external_event_id, sale.amount_cents, sale.currency,
                         sale.customer_id, sale.subscription_id, sale.tax_cents,
                         sale.stripe_customer_id, sale.coupon_code),
        conversion_id=sale.conversion_id, now=sale.occurred_at,
        grace_days=sale.payout_grace_days, customer_email=sale.customer_email,
        attribution_method=sale.attribution_method)


async def _book_subscription_sale(tx: Transaction, sale: AcceptedSale, subscription_id: str,
                                  target: s2s.Target, terms: recurring.RecurringTerms,
                                  row: Conversion) -> None:
    """The first sale of a subscription the ledger sees is its initial sale; later ones are
    renewals, numbered in booking order, earning per the program's recurring settings. Each
    renewal is its own Recurring row under tracking's id (commission 0 and no override when
    it earns nothing), so the id tracking answered always resolves."""
    booking, repo = BookingRepository(tx.conn), ConversionsRepository(tx.conn)
    await booking.lock(row.org_id, f"subscription:{subscription_id}")
    initial = await repo.subscription_initial(row.org_id, subscription_id)
    if initial is None:
        await book_with_override(tx, target, row, None)
        return
    renewal = recurring.next_renewal(
        await booking.renewal_count(row.org_id, subscription_id), terms)
    if not renewal.earns:
        row = recurring.unearned(row)
    await book_with_override(tx, target, row, None, "renewal")
    await booking.add_renewal(
        row.org_id, sale.external_event_id, subscription_id, renewal.number,
        RenewalRow(initial.id, row.id, row.amount_cents, None), row.created_at)
