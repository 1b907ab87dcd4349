"""Stripe's and Paddle's payloads read into facts: which key a payment books under, its
amount net of discounts and tax, the codes and referral it carries, and what refunds,
disputes and ended subscriptions name. Both of Stripe's invoice shapes (before and after API
version 2025-03-31) read the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.tracking.domain import provider_facts as f
from services.tracking.domain.paddle_events import paddle_fact
from services.tracking.domain.stripe_events import stripe_fact
from tests.common.stripe_payloads import (
    charge_refunded,
    checkout,
    dispute,
    invoice,
    paddle_refund,
    paddle_transaction,
)

AT = datetime(2026, 12, 6, tzinfo=UTC)


def _event(thing: dict[str, Any]) -> dict[str, Any]:
    return {"id": "evt_1", "created": 1_796_000_000, "data": {"object": thing}}


def test_an_invoice_books_under_its_id_net_of_tax_with_its_coupon() -> None:
    paid = invoice(total=11000, tax=1000, subscription="sub_1", customer="cus_1",
                   coupon="SUMMER", reason="subscription_cycle")
    fact = stripe_fact("invoice.paid", _event(paid), AT)
    assert isinstance(fact, f.Payment)
    assert (fact.sale_key, fact.amount_cents, fact.tax_cents, fact.paid_cents, fact.currency,
            fact.subscription_id, fact.customer_id, fact.renewal, fact.codes) == (
        paid["id"], 10000, 1000, 11000, "USD", "sub_1", "cus_1", True, ("SUMMER",))
    assert fact.refs == (paid["charge"], paid["payment_intent"])


def test_the_2025_invoice_shape_reads_the_same() -> None:
    paid = {"id": "in_2", "object": "invoice", "currency": "eur", "total": 5900,
            "total_taxes": [{"amount": 400}, {"amount": 500}], "customer": "cus_2",
            "billing_reason": "subscription_create",
            "parent": {"subscription_details": {"subscription": "sub_2",
                                                "metadata": {"rekomi_ref": "jane"}}},
            "discounts": [{"coupon": {"id": "C1"},
                           "promotion_code": {"code": "JANE10",
                                              "metadata": {"rekomi_affiliate_id": "a1"}}}]}
    fact = stripe_fact("invoice.paid", _event(paid), AT)
    assert isinstance(fact, f.Payment)
    assert (fact.amount_cents, fact.tax_cents, fact.subscription_id, fact.ref, fact.codes,
            fact.coupon_affiliate_id, fact.renewal) == (
        5000, 900, "sub_2", "jane", ("JANE10", "C1"), "a1", False)


def test_a_checkout_books_under_its_invoice_else_its_payment_intent() -> None:
    one_time = checkout(total=3000, tax=300, ref="jane")
    fact = stripe_fact("checkout.session.completed", _event(one_time), AT)
    assert isinstance(fact, f.Payment)
    assert (fact.sale_key, fact.amount_cents, fact.ref) == (
        one_time["payment_intent"], 2700, "jane")
    first = checkout(mode="subscription", invoice_id="in_9", subscription="sub_9",
                     client_reference_id="joe")
    fact = stripe_fact("checkout.session.completed", _event(first), AT)
    assert isinstance(fact, f.Payment) and (fact.sale_key, fact.ref) == ("in_9", "joe")


def test_a_subscription_checkout_without_invoice_only_credits_its_customer() -> None:
    session = checkout(mode="subscription", subscription="sub_3", total=5000)
    fact = stripe_fact("checkout.session.completed", _event(session), AT)
    assert isinstance(fact, f.Payment) and (fact.amount_cents, fact.paid_cents) == (0, 0)


def test_unpaid_checkouts_setup_sessions_and_odd_currencies_book_nothing() -> None:
    assert stripe_fact("checkout.session.completed",
                       _event({**checkout(), "payment_status": "unpaid"}), AT) \
        == f.Ignored("ignored")
    assert stripe_fact("checkout.session.completed", _event(checkout(mode="setup")), AT) \
        == f.Ignored("ignored")
    assert stripe_fact("invoice.paid", _event({**invoice(), "currency": "xyz"}), AT) \
        == f.Ignored("unsupported_currency")
    assert stripe_fact("customer.created", _event({"id": "cus_1"}), AT) == f.Ignored("ignored")


def test_refunds_and_disputes_name_the_payment() -> None:
    paid = invoice(total=10000)
    refund = stripe_fact("charge.refunded", _event(charge_refunded(paid, 2500)), AT)
    assert refund == f.Refund((paid["charge"], paid["id"], paid["payment_intent"]), paid["id"],
                              2500, 10000, datetime.fromtimestamp(1_796_000_000, UTC))
    opened = stripe_fact("charge.dispute.created", _event(dispute(paid, dispute_id="dp_1")), AT)
    assert isinstance(opened, f.Dispute) and opened.won is None
    outcomes = [stripe_fact("charge.dispute.closed", _event(dispute(paid, status)), AT)
                for status in ("won", "warning_closed", "lost", "under_review")]
    assert [getattr(o, "won", o) for o in outcomes] == [True, True, False,
                                                        f.Ignored("ignored")]


def test_paddle_transactions_and_adjustments() -> None:
    paid = paddle_transaction(total=2400, tax=400, ref="jane", subscription="sub_01",
                              origin="subscription_recurring", discount="dsc_01")
    fact = paddle_fact("transaction.completed", {"data": paid}, AT)
    assert isinstance(fact, f.Payment)
    assert (fact.sale_key, fact.amount_cents, fact.tax_cents, fact.renewal, fact.ref,
            fact.codes) == (paid["id"], 2000, 400, True, "jane", ("dsc_01",))
    partial = paddle_fact("adjustment.created", {"data": paddle_refund(paid, 600)}, AT)
    assert isinstance(partial, f.Refund)
    assert (partial.sale_key, partial.refunded_cents, partial.whole) == (paid["id"], 600, False)
    chargeback = {**paddle_refund(paid, 2400), "action": "chargeback"}
    lost = paddle_fact("adjustment.created", {"data": chargeback}, AT)
    assert isinstance(lost, f.Dispute) and lost.won is False
