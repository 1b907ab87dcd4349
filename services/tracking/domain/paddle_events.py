"""Paddle Billing's webhook events read into facts (``provider_facts``), from the fields its API
reference documents (amounts are decimal strings of minor units).

- ``transaction.completed``: a payment, keyed by the transaction id; ``origin``
  ``subscription_recurring`` marks a renewal; ``custom_data.rekomi_ref`` names the referral
  (Paddle.js ``customData``); the discount is matched by its id (``discount_id``) against the
  affiliate's assigned codes, since the transaction names no code.
- ``adjustment.created`` / ``adjustment.updated`` with ``action`` ``refund`` once
  ``approved``: one refund of the transaction (``type`` ``full`` refunds it whole); ``action``
  ``chargeback`` once approved: a dispute the brand lost.
- ``subscription.canceled``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.tracking.domain import provider_facts as f
from services.tracking.domain.stripe_events import REF_KEY


def paddle_fact(event_type: str, payload: dict[str, Any], received_at: datetime) -> f.Fact:
    data = f.obj(payload.get("data"))
    at = f.at_iso(payload.get("occurred_at"), received_at)
    if event_type == "transaction.completed":
        return _transaction(data, at)
    if event_type in ("adjustment.created", "adjustment.updated"):
        return _adjustment(data, at)
    if event_type == "subscription.canceled" and f.ident(data):
        return f.SubscriptionEnded(str(f.ident(data)), f.at_iso(data.get("canceled_at"), at))
    return f.Ignored("ignored")


def _transaction(t: dict[str, Any], at: datetime) -> f.Fact:
    totals = f.obj(f.obj(t.get("details")).get("totals"))
    currency = f.currency_of(t.get("currency_code") or totals.get("currency_code"))
    key = f.ident(t)
    if currency is None:
        return f.Ignored("unsupported_currency")
    if key is None:
        return f.Ignored("ignored")
    total, tax = f.cents(totals.get("total")), f.cents(totals.get("tax"))
    return f.Payment(
        sale_key=key, amount_cents=max(total - tax, 0), tax_cents=tax, currency=currency,
        customer_id=f.text(t.get("customer_id")), email=None,
        subscription_id=f.text(t.get("subscription_id")),
        renewal=t.get("origin") == "subscription_recurring",
        codes=f.unique(f.text(t.get("discount_id"))), promotion_ids=(),
        coupon_affiliate_id=None, ref=f.text(f.obj(t.get("custom_data")).get(REF_KEY)),
        refs=(), paid_cents=total,
        occurred_at=f.at_iso(t.get("billed_at"), at))


def _adjustment(a: dict[str, Any], at: datetime) -> f.Fact:
    transaction, adjustment = f.text(a.get("transaction_id")), f.ident(a)
    if a.get("status") != "approved" or transaction is None or adjustment is None:
        return f.Ignored("ignored")
    if a.get("action") == "refund":
        refunded = f.cents(f.obj(a.get("totals")).get("total"))
        return f.Refund(f.unique(transaction), transaction, refunded, None, at,
                        refund_id=adjustment, whole=a.get("type") == "full")
    if a.get("action") == "chargeback":
        return f.Dispute(adjustment, f.unique(transaction), transaction, False, at)
    return f.Ignored("ignored")
