"""Who a payout run pays and why not: the rules on their own."""

from __future__ import annotations

import uuid

import pytest

from libs.contracts.payouts import IneligibilityReason as R
from libs.contracts.payouts import PayoutMethod as M
from services.ledger.payables.domain.eligibility import (
    Balance,
    Payee,
    candidates,
    ineligibility,
    total_cents,
)

A = uuid.UUID(int=1)


def payee(**fields: object) -> Payee:
    base: dict[str, object] = {"affiliate_id": A, "approved": True, "tax_form_required": False,
                               "has_tax_form": False, "stripe_account_id": "acct_1",
                               "paypal_email": "a@example.com", "wise_recipient_id": "42"}
    return Payee(**{**base, **fields})  # type: ignore[arg-type]


def balance(due: int = 1000, owed: int = 0, currency: str = "USD") -> Balance:
    return Balance(A, currency, due, 1 if due else 0, owed, 1 if owed else 0)


@pytest.mark.parametrize(("who", "money", "method", "reason"), [
    (payee(), balance(), M.Manual, None),
    (payee(approved=False), balance(), M.Manual, R.affiliate_not_approved),
    (None, balance(), M.Manual, R.affiliate_not_approved),
    (payee(), balance(0), M.Manual, R.nothing_due),
    (payee(), balance(500, -800), M.Manual, R.negative_balance),
    (payee(), balance(800, -800), M.Manual, R.negative_balance),
    (payee(tax_form_required=True), balance(), M.Manual, R.tax_form_missing),
    (payee(tax_form_required=True, has_tax_form=True), balance(), M.Manual, None),
    (payee(stripe_account_id=None), balance(), M.StripeConnect, R.no_stripe_connect),
    (payee(paypal_email=None), balance(), M.PayPal, R.no_paypal_email),
    (payee(wise_recipient_id=None), balance(), M.Wise, R.no_wise_recipient),
    (payee(stripe_account_id=None), balance(), M.Manual, None),
    # the first reason wins: not approved before anything about the money
    (payee(approved=False, stripe_account_id=None), balance(0), M.StripeConnect,
     R.affiliate_not_approved),
])
def test_the_first_reason_that_applies(who: Payee | None, money: Balance, method: M,
                                       reason: R | None) -> None:
    assert ineligibility(who, money, method) == reason


def test_a_named_affiliate_with_nothing_is_listed_as_nothing_due() -> None:
    other = uuid.UUID(int=2)
    found = candidates([balance(700, currency="EUR"), balance(300)],
                       {A: payee(), other: payee(affiliate_id=other)}, M.Manual, [A, other],
                       "GBP")
    assert [(c.balance.affiliate_id, c.balance.currency, c.reason) for c in found] == [
        (A, "EUR", None), (A, "USD", None), (other, "GBP", R.nothing_due)]
    assert total_cents(found) == 1000  # a checksum over currencies, as the preview says
