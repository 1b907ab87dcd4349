"""Payout details as the affiliate sees them again: enough to recognise each, never the whole
value (a leaked session must not hand out where the money goes)."""

from __future__ import annotations

from libs.contracts.me_payouts import MyPayoutDetails
from services.ledger.affiliates.domain.memberships import Member
from services.ledger.payables.domain.eligibility import Payee

STRIPE_PREFIX = "acct_"


def _tail(value: str) -> str:
    """``****`` and the last characters: at most 4, and never more than half of them."""
    keep = min(4, len(value) // 2)
    return "****" + (value[-keep:] if keep else "")


def mask_stripe(account_id: str) -> str:
    """``acct_1Ab2Cd3Ef`` -> ``acct_****3Ef`` (the prefix says which kind it is)."""
    return STRIPE_PREFIX + _tail(account_id.removeprefix(STRIPE_PREFIX))


def mask_email(email: str) -> str:
    """``pay@example.com`` -> ``p***@example.com``: the domain stays, the mailbox does not."""
    local, _, domain = email.rpartition("@")
    return f"{local[0] if len(local) > 1 else ''}***@{domain}"


def mask_digits(recipient_id: str) -> str:
    """``12345678`` -> ``****5678``."""
    return _tail(recipient_id)


def details_view(member: Member, payee: Payee) -> MyPayoutDetails:
    a = member.affiliate
    return MyPayoutDetails(
        affiliate_id=a.id, org_id=a.org_id, program_id=a.program_id,
        stripe_account_id=mask_stripe(payee.stripe_account_id) if payee.stripe_account_id
        else None,
        paypal_email=mask_email(payee.paypal_email) if payee.paypal_email else None,
        wise_recipient_id=mask_digits(payee.wise_recipient_id) if payee.wise_recipient_id
        else None)
