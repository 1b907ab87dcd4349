"""Booking rules: which renewals earn (recurringMonths null/0/N and the invoice delay), what a
refund changes (status, timeline event, the claw-back of a Paid commission), and which rows a
Banned affiliate's booking makes Denied."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.contracts.common import as_json
from services.ledger.conversions.domain.booking import (
    Sale,
    Target,
    lead_conversion,
    override_for,
    sale_conversion,
)
from services.ledger.conversions.domain.commissions import Terms
from services.ledger.conversions.domain.denials import denied_event
from services.ledger.conversions.domain.model import (
    Conversion,
    ConversionEvent,
    event_response,
    to_response,
)
from services.ledger.conversions.domain.recurring import (
    RecurringTerms,
    next_renewal,
    renewal_earns,
    unearned,
)
from services.ledger.conversions.domain.refunds import refund, unpaid_renewal_refund

AT = datetime(2026, 6, 10, 16, tzinfo=UTC)


def earning(terms: RecurringTerms, renewals: int) -> list[int]:
    return [k for k in range(1, renewals + 1) if renewal_earns(k, terms)]


def test_lifetime_earns_on_every_renewal() -> None:
    assert earning(RecurringTerms(None, 0), 40) == list(range(1, 41))


def test_one_time_earns_on_no_renewal() -> None:
    assert earning(RecurringTerms(0, 0), 40) == []
    assert earning(RecurringTerms(0, 3), 40) == []


def test_a_cap_of_n_earns_on_the_first_n_renewals() -> None:
    assert earning(RecurringTerms(2, 0), 10) == [1, 2]
    assert earning(RecurringTerms(12, 0), 40) == list(range(1, 13))


def test_the_delay_skips_renewals_then_the_cap_counts_earning_ones() -> None:
    assert earning(RecurringTerms(2, 1), 10) == [2, 3]
    assert earning(RecurringTerms(None, 3), 6) == [4, 5, 6]


def test_next_renewal_counts_non_earning_ones_too() -> None:
    terms = RecurringTerms(1, 0)
    assert next_renewal(0, terms).earns and next_renewal(0, terms).number == 1
    assert not next_renewal(1, terms).earns and next_renewal(1, terms).number == 2


@given(months=st.none() | st.integers(0, 30), delay=st.integers(0, 24),
       renewals=st.integers(0, 80))
def test_earning_renewals_are_one_window_after_the_delay(
        months: int | None, delay: int, renewals: int) -> None:
    got = earning(RecurringTerms(months, delay), renewals)
    window = max(0, renewals - delay)
    assert len(got) == (window if months is None else min(window, months))
    assert got == list(range(delay + 1, delay + 1 + len(got)))  # contiguous, right after D


def sale(status: str, commission: int = 1980) -> Conversion:
    return Conversion(
        id=uuid.uuid4(), org_id=uuid.uuid4(), program_id=uuid.uuid4(),
        affiliate_id=uuid.uuid4(), amount_cents=9900, currency="EUR",
        commission_cents=commission, status=status, type="OneTime", external_event_id="in_1",
        stripe_subscription_id=None, stripe_customer_id=None, customer_id=None,
        customer_email=None, attribution_method=None, coupon_code=None,
        parent_affiliate_conversion_id=None, created_at=datetime(2026, 5, 1, tzinfo=UTC))


@pytest.mark.parametrize("status", ["Pending", "Approved", "Denied"])
def test_an_unpaid_refund_changes_status_and_timeline_but_claws_nothing_back(
        status: str) -> None:
    c = sale(status)
    done = refund(c, at=AT, event_id=uuid.uuid4(), adjustment_id=uuid.uuid4())
    assert done is not None and done.adjustment is None
    assert done.conversion == replace(c, status="Refunded", refunded_at=AT)
    assert (done.event.conversion_id, done.event.event_type, done.event.amount_cents,
            done.event.commission_cents) == (c.id, "refund", -9900, -1980)


def test_a_paid_refund_leaves_a_negative_adjustment_for_its_affiliate() -> None:
    c, adjustment_id = sale("Paid"), uuid.uuid4()
    done = refund(c, at=AT, event_id=uuid.uuid4(), adjustment_id=adjustment_id)
    assert done is not None and done.adjustment is not None
    a = done.adjustment
    assert (a.id, a.org_id, a.affiliate_id, a.currency, a.amount_cents, a.conversion_id,
            a.reason, a.created_at, a.settled_payout_id) == (
        adjustment_id, c.org_id, c.affiliate_id, "EUR", -1980, c.id, "refund", AT, None)


def test_a_paid_row_without_commission_owes_nothing_back() -> None:
    done = refund(sale("Paid", commission=0), at=AT, event_id=uuid.uuid4(),
                  adjustment_id=uuid.uuid4())
    assert done is not None and done.adjustment is None


def test_refunding_a_refunded_conversion_is_a_no_op() -> None:
    assert refund(sale("Refunded"), at=AT, event_id=uuid.uuid4(),
                  adjustment_id=uuid.uuid4()) is None


def test_an_unpaid_renewal_refund_moves_no_commission() -> None:
    anchor = uuid.uuid4()
    event = unpaid_renewal_refund(anchor, 9900, at=AT, event_id=uuid.uuid4())
    assert (event.conversion_id, event.event_type, event.amount_cents,
            event.commission_cents) == (anchor, "refund", -9900, 0)


def credited(*, banned: bool = False, recruiter_banned: bool = False) -> Target:
    """20% for the affiliate, 10% of that for its recruiter."""
    return Target(org_id=uuid.uuid4(), affiliate_id=uuid.uuid4(), program_id=uuid.uuid4(),
                  terms=Terms("Percentage", Decimal(20), "Cps"), recruiter_id=uuid.uuid4(),
                  override_percent=Decimal(10), banned=banned,
                  recruiter_banned=recruiter_banned)


def test_an_unearned_renewal_is_its_own_row_with_commission_zero_and_no_override() -> None:
    target = credited()
    row = unearned(sale_conversion(target, Sale("in_2", 9900, "USD", None, "sub_1"),
                                   conversion_id=uuid.uuid4(), now=AT, grace_days=30))
    assert (row.type, row.status, row.amount_cents, row.commission_cents) == (
        "Recurring", "Pending", 9900, 0)
    assert override_for(target, row, conversion_id=uuid.uuid4()) is None


def booked(target: Target) -> tuple[str, str]:
    """The sale's status and its override's."""
    row = sale_conversion(target, Sale("in_1", 9900, "USD", None, None),
                          conversion_id=uuid.uuid4(), now=AT, grace_days=30)
    assert row.commission_cents == 1980  # computed and kept, whatever the status
    override = override_for(target, row, conversion_id=uuid.uuid4())
    assert override is not None and override.commission_cents == 198
    return row.status, override.status


def test_a_banned_affiliate_s_sale_and_its_override_are_booked_denied() -> None:
    assert booked(credited()) == ("Pending", "Pending")
    assert booked(credited(banned=True)) == ("Denied", "Denied")
    # The recruiter's ban denies its override only: the recruit's own sale still earns.
    assert booked(credited(recruiter_banned=True)) == ("Pending", "Denied")


def test_a_banned_affiliate_s_lead_is_booked_denied() -> None:
    for banned, status in ((False, "Pending"), (True, "Denied")):
        lead = lead_conversion(credited(banned=banned), email="jo@example.com",
                               external_event_id="lead_1", currency="USD",
                               conversion_id=uuid.uuid4(), now=AT, grace_days=30)
        assert (lead.type, lead.status) == ("LeadReward", status)


def test_a_denial_is_stored_like_a_refund() -> None:
    c, event_id = sale("Approved"), uuid.uuid4()
    event = denied_event(c, at=AT, event_id=event_id)
    assert (event.id, event.conversion_id, event.event_type, event.amount_cents,
            event.commission_cents, event.occurred_at) == (event_id, c.id, "denied", -9900,
                                                           -1980, AT)


# ---- the reply a client sees -----------------------------------------------------------------
def test_conversion_reply_json_is_pinned() -> None:
    """The ConversionResponse and timeline event as GET /conversions/{id} has always sent them
    (UUIDs as text, UTC times with Z, every key present, null when unset)."""
    sale = Conversion(
        id=uuid.UUID(int=1), org_id=uuid.UUID(int=2), program_id=uuid.UUID(int=3),
        affiliate_id=uuid.UUID(int=4), amount_cents=12345, currency="USD",
        commission_cents=2469, status="Refunded", type="Recurring",
        external_event_id="ord_1", stripe_subscription_id="sub_1", stripe_customer_id="cus_1",
        customer_id="c1", customer_email="c@example.com", attribution_method="email_match",
        coupon_code=None, parent_affiliate_conversion_id=None, created_at=AT,
        refunded_at=AT.replace(microsecond=123400))
    assert as_json(to_response(sale)) == {
        "id": "00000000-0000-0000-0000-000000000001",
        "affiliateId": "00000000-0000-0000-0000-000000000004",
        "programId": "00000000-0000-0000-0000-000000000003", "amountCents": 12345,
        "currency": "USD", "commissionCents": 2469, "status": "Refunded", "type": "Recurring",
        "stripeSubscriptionId": "sub_1", "stripeCustomerId": "cus_1",
        "externalEventId": "ord_1", "createdAt": "2026-06-10T16:00:00Z",
        "refundedAt": "2026-06-10T16:00:00Z", "attributionMethod": "email_match",
        "couponCode": None, "parentAffiliateConversionId": None}
    event = ConversionEvent(uuid.UUID(int=5), sale.id, "refund", -12345, -2469, AT)
    assert as_json(event_response(event)) == {
        "id": "00000000-0000-0000-0000-000000000005", "eventType": "refund",
        "amountCents": -12345, "commissionCents": -2469, "occurredAt": "2026-06-10T16:00:00Z"}
