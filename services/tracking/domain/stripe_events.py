"""Stripe's webhook events read into facts (``provider_facts``), from the fields Stripe's API
reference documents. Both the shapes before API version 2025-03-31 (``invoice.subscription``,
``invoice.charge``, ``invoice.tax``, ``invoice.discount``, ``charge.invoice``) and after it
(``invoice.parent.subscription_details``, ``invoice.total_taxes``, ``invoice.discounts``) are
read, whichever the account's webhook version sends.

- ``checkout.session.completed`` (paid) and ``checkout.session.async_payment_succeeded``: the
  first payment, keyed by the session's invoice (shared with that invoice's ``invoice.paid``)
  or payment intent; its ``metadata.rekomi_ref`` or ``client_reference_id`` names the
  referral.
- ``invoice.paid`` and ``invoice.payment_succeeded`` (Stripe sends both for one payment; the
  invoice id books it once): a subscription's first or later payment.
- ``charge.refunded`` (cumulative ``amount_refunded``), ``charge.dispute.created`` and
  ``charge.dispute.closed`` (``won``; ``warning_closed`` releases too; ``lost`` refunds).
- ``customer.subscription.deleted``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.tracking.domain.provider_facts import (
    Dispute,
    Fact,
    Ignored,
    Payment,
    Refund,
    SubscriptionEnded,
    at_unix,
    cents,
    currency_of,
    ident,
    obj,
    text,
    unique,
)

REF_KEY = "rekomi_ref"
AFFILIATE_KEY = "rekomi_affiliate_id"
PAID_SESSION = {"paid", "no_payment_required"}
RELEASED = {"won", "warning_closed"}


def stripe_fact(event_type: str, payload: dict[str, Any], received_at: datetime) -> Fact:
    thing = obj(obj(payload.get("data")).get("object"))
    at = at_unix(payload.get("created"), received_at)
    paid_checkout = (event_type == "checkout.session.completed"
                     and thing.get("payment_status") in PAID_SESSION)
    if paid_checkout or event_type == "checkout.session.async_payment_succeeded":
        return _session(thing, at)
    if event_type in ("invoice.paid", "invoice.payment_succeeded"):
        return _invoice(thing, at)
    if event_type == "charge.refunded":
        return Refund(_charge_refs(thing), _sale_key(thing), cents(thing.get("amount_refunded")),
                      cents(thing.get("amount")) or None, at)
    if event_type in ("charge.dispute.created", "charge.dispute.closed"):
        return _dispute(event_type, thing, at)
    if event_type == "customer.subscription.deleted" and ident(thing):
        return SubscriptionEnded(str(ident(thing)),
                                 at_unix(thing.get("ended_at") or thing.get("canceled_at"), at))
    return Ignored("ignored")


def _session(s: dict[str, Any], at: datetime) -> Fact:
    if s.get("mode") == "setup":
        return Ignored("ignored")
    currency = currency_of(s.get("currency"))
    if currency is None:
        return Ignored("unsupported_currency")
    total, details = cents(s.get("amount_total")), obj(s.get("total_details"))
    tax = cents(details.get("amount_tax"))
    invoice, intent = ident(s.get("invoice")), ident(s.get("payment_intent"))
    if s.get("mode") == "subscription" and invoice is None:
        # No invoice to share a key with: the invoice's own event books the payment; this
        # one only credits the customer (a payment of 0 books nothing).
        total = tax = 0
    key = invoice or intent or ident(s)
    if key is None:
        return Ignored("ignored")
    metadata, customer = obj(s.get("metadata")), obj(s.get("customer_details"))
    codes, promotions, affiliate = _discounts(s.get("discounts"),
                                              obj(details.get("breakdown")).get("discounts"))
    return Payment(
        sale_key=key, amount_cents=max(total - tax, 0), tax_cents=tax, currency=currency,
        customer_id=ident(s.get("customer")),
        email=text(customer.get("email")) or text(s.get("customer_email")),
        subscription_id=ident(s.get("subscription")), renewal=False, codes=codes,
        promotion_ids=promotions, coupon_affiliate_id=affiliate,
        ref=text(metadata.get(REF_KEY)) or text(s.get("client_reference_id")),
        refs=unique(invoice, intent), paid_cents=total, occurred_at=at)


def _invoice(i: dict[str, Any], at: datetime) -> Fact:
    currency = currency_of(i.get("currency"))
    if currency is None:
        return Ignored("unsupported_currency")
    total = cents(i.get("total"))
    tax = cents(i.get("tax")) if i.get("tax") is not None else sum(
        cents(obj(t).get("amount")) for t in i.get("total_taxes") or [] if isinstance(t, dict))
    details = obj(obj(i.get("parent")).get("subscription_details")) \
        or obj(i.get("subscription_details"))
    subscription = ident(i.get("subscription")) or ident(details.get("subscription"))
    legacy = obj(i.get("discount"))
    codes, promotions, affiliate = _discounts(
        [legacy] if legacy else i.get("discounts"), None)
    metadata = {**obj(details.get("metadata")), **obj(i.get("metadata"))}
    charge, intent = ident(i.get("charge")), ident(i.get("payment_intent"))
    return Payment(
        sale_key=str(ident(i)), amount_cents=max(total - tax, 0), tax_cents=tax,
        currency=currency, customer_id=ident(i.get("customer")),
        email=text(i.get("customer_email")), subscription_id=subscription,
        renewal=i.get("billing_reason") == "subscription_cycle", codes=codes,
        promotion_ids=promotions, coupon_affiliate_id=affiliate,
        ref=text(metadata.get(REF_KEY)), refs=unique(charge, intent), paid_cents=total,
        occurred_at=at_unix(obj(i.get("status_transitions")).get("paid_at"), at))


def _discounts(applied: Any, breakdown: Any
               ) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    """The codes a payment redeemed: each discount's promotion code (its ``code`` when the
    object is expanded, else its id, looked up later) and coupon id, and the first promotion
    code's ``rekomi_affiliate_id``."""
    codes: list[str | None] = []
    promotion_ids: list[str | None] = []
    affiliate = None
    items: list[Any] = [d for d in (applied or []) if isinstance(d, dict)]
    items += [obj(b).get("discount") for b in breakdown or [] if isinstance(b, dict)]
    for discount in (obj(d) for d in items):
        promotion = discount.get("promotion_code")
        if isinstance(promotion, dict):
            codes.append(text(promotion.get("code")))
            affiliate = affiliate or text(obj(promotion.get("metadata")).get(AFFILIATE_KEY))
        else:
            promotion_ids.append(text(promotion))
        coupon = discount.get("coupon") or obj(discount.get("source")).get("coupon")
        codes.append(ident(coupon))
    return unique(*codes), unique(*promotion_ids), affiliate


def _charge_refs(charge: dict[str, Any]) -> tuple[str, ...]:
    return unique(ident(charge), ident(charge.get("invoice")), ident(charge.get("payment_intent")))


def _sale_key(thing: dict[str, Any]) -> str | None:
    """The key a payment's sale is booked under (its invoice, else its payment intent)."""
    return ident(thing.get("invoice")) or ident(thing.get("payment_intent"))


def _dispute(event_type: str, d: dict[str, Any], at: datetime) -> Fact:
    dispute_id = ident(d)
    refs = unique(ident(d.get("charge")), ident(d.get("payment_intent")))
    if dispute_id is None or not refs:
        return Ignored("ignored")
    if event_type == "charge.dispute.created":
        return Dispute(dispute_id, refs, _sale_key(d), None, at)
    status = d.get("status")
    if status not in RELEASED and status != "lost":
        return Ignored("ignored")
    return Dispute(dispute_id, refs, _sale_key(d), status in RELEASED, at)
