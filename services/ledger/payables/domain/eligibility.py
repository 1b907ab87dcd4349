"""Who a payout run pays, and why not: pure rules over what the ledger holds.

A candidate is one affiliate in one currency: its Approved, unclaimed commissions booked in the
period, netted with its open claw-backs (commissions refunded after they were paid, any period).
Commission in EUR is paid in EUR; nothing is converted. The first reason that applies wins, in
the order of ``ineligibility``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from libs.contracts.payouts import IneligibilityReason, PayoutMethod

# Where each method sends the money, and the reason when the affiliate has not given it.
DESTINATION_REASON: dict[PayoutMethod, IneligibilityReason] = {
    PayoutMethod.StripeConnect: IneligibilityReason.no_stripe_connect,
    PayoutMethod.PayPal: IneligibilityReason.no_paypal_email,
    PayoutMethod.Wise: IneligibilityReason.no_wise_recipient,
}


@dataclass(frozen=True, slots=True)
class Payee:
    """What eligibility needs to know of an affiliate."""

    affiliate_id: uuid.UUID
    approved: bool  # status Approved and not deleted
    tax_form_required: bool  # its program requires one
    has_tax_form: bool
    stripe_account_id: str | None
    paypal_email: str | None
    wise_recipient_id: str | None

    def destination(self, method: PayoutMethod) -> str | None:
        return {PayoutMethod.StripeConnect: self.stripe_account_id,
                PayoutMethod.PayPal: self.paypal_email,
                PayoutMethod.Wise: self.wise_recipient_id}.get(method)


@dataclass(frozen=True, slots=True)
class Balance:
    """One affiliate's money in one currency: commissions due and claw-backs owed."""

    affiliate_id: uuid.UUID
    currency: str
    due_cents: int  # >= 0
    due_count: int
    owed_cents: int  # <= 0
    owed_count: int

    @property
    def net_cents(self) -> int:
        return self.due_cents + self.owed_cents

    @property
    def line_count(self) -> int:
        return self.due_count + self.owed_count


@dataclass(frozen=True, slots=True)
class Candidate:
    balance: Balance
    reason: IneligibilityReason | None
    destination: str | None

    @property
    def eligible(self) -> bool:
        return self.reason is None


def ineligibility(payee: Payee | None, balance: Balance, method: PayoutMethod
                  ) -> IneligibilityReason | None:
    if payee is None or not payee.approved:
        return IneligibilityReason.affiliate_not_approved
    if balance.net_cents <= 0:
        return (IneligibilityReason.negative_balance if balance.owed_cents < 0
                else IneligibilityReason.nothing_due)
    if payee.tax_form_required and not payee.has_tax_form:
        return IneligibilityReason.tax_form_missing
    if method in DESTINATION_REASON and not payee.destination(method):
        return DESTINATION_REASON[method]
    return None


def candidates(balances: list[Balance], payees: dict[uuid.UUID, Payee], method: PayoutMethod,
               named: list[uuid.UUID] | None, home_currency: str) -> list[Candidate]:
    """Every balance as a candidate, plus, for each named affiliate with no balance at all, a
    ``nothing_due`` one in the home currency (so a caller sees why it is not paid). Ordered by
    affiliate then currency, so previews and runs list them alike."""
    found = {b.affiliate_id for b in balances}
    empty = [Balance(a, home_currency, 0, 0, 0, 0) for a in dict.fromkeys(named or [])
             if a not in found]
    out = []
    for balance in sorted([*balances, *empty], key=lambda b: (str(b.affiliate_id), b.currency)):
        payee = payees.get(balance.affiliate_id)
        reason = ineligibility(payee, balance, method)
        destination = payee.destination(method) if payee is not None else None
        out.append(Candidate(balance, reason, destination))
    return out


def total_cents(chosen: list[Candidate]) -> int:
    """What ``confirmTotalCents`` must repeat: the eligible candidates' net amounts added up,
    whatever their currencies (a checksum of the selection when there are several)."""
    return sum(c.balance.net_cents for c in chosen if c.eligible)
