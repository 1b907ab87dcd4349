"""Partial refunds as plain arithmetic: the refunded share of a payment, pro rata in whole cents
(half away from zero) of the figures a row was BOOKED with; the largest share seen wins, so
copies and reorderings land on the same figures; an unpaid commission is lowered, a paid one is
clawed back step by step; a whole refund afterwards refunds the rest."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.shared.errors import ValidationFailed
from services.ledger.conversions.domain.booking import Sale, booked_amount
from services.ledger.conversions.domain.model import Conversion
from services.ledger.conversions.domain.partial_refunds import (
    WHOLE,
    PartialRefund,
    pro_rata,
    refund_share,
    share_of,
)
from services.ledger.conversions.domain.refunds import RefundProgress, refund, unrefunded
from tests.unit.test_booking_domain import credited

AT = datetime(2026, 6, 10, 16, tzinfo=UTC)


def row(status: str = "Pending", amount: int = 9900, commission: int = 1980) -> Conversion:
    return Conversion(
        id=uuid.uuid4(), org_id=uuid.uuid4(), program_id=uuid.uuid4(),
        affiliate_id=uuid.uuid4(), amount_cents=amount, currency="USD",
        commission_cents=commission, status=status, type="OneTime", external_event_id="ch_1",
        stripe_subscription_id=None, stripe_customer_id="cus_1", customer_id=None,
        customer_email=None, attribution_method=None, coupon_code=None,
        parent_affiliate_conversion_id=None, created_at=AT)


def step(c: Conversion, progress: RefundProgress, share: Fraction, *,
         paid_out: bool = False) -> PartialRefund | None:
    return refund_share(c, progress, share, paid_out=paid_out, at=AT, event_id=uuid.uuid4(),
                        adjustment_id=uuid.uuid4())


def test_the_share_is_whole_without_figures_or_once_everything_was_refunded() -> None:
    assert share_of(None, None) == WHOLE  # an S2S refund
    assert share_of(2500, 10000) == Fraction(1, 4)
    assert share_of(10000, 10000) == WHOLE
    assert share_of(12000, 10000) == WHOLE
    assert share_of(0, 10000) == 0


@pytest.mark.parametrize(("refunded", "paid"), [(2500, None), (None, 10000)])
def test_one_figure_without_the_other_is_refused_not_taken_for_a_whole_refund(
        refunded: int | None, paid: int | None) -> None:
    with pytest.raises(ValidationFailed):
        share_of(refunded, paid)


@pytest.mark.parametrize(("cents", "share", "expected"), [
    (1980, Fraction(1, 4), 495), (1980, Fraction(1, 3), 660), (5, Fraction(1, 2), 3),
    (199, Fraction(1, 2), 100), (1, Fraction(1, 3), 0), (2, Fraction(1, 3), 1),
    (-5, Fraction(1, 2), -3), (9900, WHOLE, 9900), (9900, Fraction(0), 0)])
def test_pro_rata_rounds_half_away_from_zero(cents: int, share: Fraction, expected: int) -> None:
    assert pro_rata(cents, share) == expected


@given(cents=st.integers(0, 10**12), a=st.integers(0, 10**6), b=st.integers(0, 10**6),
       paid=st.integers(1, 10**6))
def test_pro_rata_is_monotone_and_bounded(cents: int, a: int, b: int, paid: int) -> None:
    low, high = sorted((share_of(a, paid), share_of(b, paid)))
    assert 0 <= pro_rata(cents, low) <= pro_rata(cents, high) <= cents


def test_an_unpaid_step_lowers_the_commission_and_records_its_deltas() -> None:
    c = row("Approved")
    done = step(c, unrefunded(c), Fraction(1, 4))
    assert done is not None and done.adjustment is None
    assert done.conversion == replace(c, commission_cents=1980 - 495)  # status unchanged
    assert (done.event.conversion_id, done.event.event_type, done.event.amount_cents,
            done.event.commission_cents) == (c.id, "refund", -2475, -495)
    assert done.progress == RefundProgress(c.id, 9900, 1980, 2475, 495, 0)


def test_later_shares_are_computed_from_the_booked_figures_not_the_lowered_ones() -> None:
    c = row()
    first = step(c, unrefunded(c), Fraction(1, 4))
    assert first is not None
    second = step(first.conversion, first.progress, Fraction(1, 2))
    assert second is not None
    assert (second.event.amount_cents, second.event.commission_cents) == (-2475, -495)
    assert second.conversion.commission_cents == 990  # half of 1980, not 1485 less a half
    assert second.progress.refunded_commission_cents == 990


def test_a_share_no_larger_than_one_refunded_changes_nothing() -> None:
    c = row()
    half = step(c, unrefunded(c), Fraction(1, 2))
    assert half is not None
    assert step(half.conversion, half.progress, Fraction(1, 2)) is None  # a copy
    assert step(half.conversion, half.progress, Fraction(1, 4)) is None  # an older one, late
    assert step(replace(c, status="Refunded"), unrefunded(c), Fraction(1, 2)) is None


def test_a_paid_step_keeps_the_commission_and_claws_back_the_delta() -> None:
    c = row("Paid")
    first = step(c, unrefunded(c), Fraction(1, 4), paid_out=True)
    assert first is not None and first.adjustment is not None
    assert first.conversion == c
    a = first.adjustment
    assert (a.affiliate_id, a.currency, a.amount_cents, a.conversion_id, a.reason,
            a.refund_step) == (c.affiliate_id, "USD", -495, c.id, "refund", 495)
    second = step(c, first.progress, Fraction(1, 2), paid_out=True)
    assert second is not None and second.adjustment is not None
    assert (second.adjustment.amount_cents, second.adjustment.refund_step) == (-495, 990)
    assert second.progress.clawed_back_cents == 990


def test_a_step_that_moves_only_the_amount_claws_nothing_back() -> None:
    c = row("Paid", commission=0)
    done = step(c, unrefunded(c), Fraction(1, 2), paid_out=True)
    assert done is not None and done.adjustment is None
    assert (done.event.amount_cents, done.event.commission_cents) == (-4950, 0)


def test_a_whole_refund_after_partial_ones_refunds_the_rest() -> None:
    c = row()
    part = step(c, unrefunded(c), Fraction(1, 3))
    assert part is not None
    done = refund(part.conversion, at=AT, event_id=uuid.uuid4(), adjustment_id=uuid.uuid4(),
                  progress=part.progress)
    assert done is not None and done.adjustment is None
    assert done.conversion.status == "Refunded"
    assert (part.event.amount_cents + done.event.amount_cents,
            part.event.commission_cents + done.event.commission_cents) == (-9900, -1980)


def test_a_paid_whole_refund_after_partial_claw_backs_claws_back_the_rest() -> None:
    c = row("Pending")
    lowered = step(c, unrefunded(c), Fraction(1, 4))  # 495 off before it was paid
    assert lowered is not None
    paid = replace(lowered.conversion, status="Paid")
    clawed = step(paid, lowered.progress, Fraction(1, 2), paid_out=True)  # 495 clawed back
    assert clawed is not None and clawed.adjustment is not None
    done = refund(paid, at=AT, event_id=uuid.uuid4(), adjustment_id=uuid.uuid4(),
                  progress=clawed.progress)
    assert done is not None and done.adjustment is not None
    assert done.adjustment.amount_cents == -990  # paid 1485, of which 495 clawed already
    assert done.adjustment.refund_step == 0
    assert done.event.commission_cents == -990


@given(shares=st.lists(st.integers(0, 10_000), min_size=1, max_size=8),
       commission=st.integers(0, 10**7), amount=st.integers(0, 10**8),
       paid_after=st.integers(0, 8))
def test_any_order_of_copies_lands_on_the_largest_share_and_the_money_adds_up(
        shares: list[int], commission: int, amount: int, paid_after: int) -> None:
    """Whatever the order and the copies, and whenever the row was paid in between: the
    refunded figures are the largest share's, the steps' events sum to them, and what was
    lowered plus what was clawed back is exactly the refunded commission."""
    c = row(amount=amount, commission=commission)
    progress, events, clawed = unrefunded(c), [], 0
    for k, refunded in enumerate(shares):
        if k == paid_after:
            c = replace(c, status="Paid")
        done = step(c, progress, share_of(refunded, 10_000), paid_out=c.status == "Paid")
        if done is None:
            continue
        c, progress = done.conversion, done.progress
        events.append(done.event)
        clawed -= done.adjustment.amount_cents if done.adjustment else 0
    top = share_of(max(shares), 10_000)
    assert progress.refunded_amount_cents == pro_rata(amount, top)
    assert progress.refunded_commission_cents == pro_rata(commission, top)
    assert -sum(e.amount_cents for e in events) == progress.refunded_amount_cents
    assert -sum(e.commission_cents for e in events) == progress.refunded_commission_cents
    lowered = commission - c.commission_cents
    assert lowered + clawed == progress.refunded_commission_cents == (
        lowered + progress.clawed_back_cents)
    done = refund(c, at=AT, event_id=uuid.uuid4(), adjustment_id=uuid.uuid4(),
                  progress=progress)
    assert done is not None
    assert -sum(e.amount_cents for e in [*events, done.event]) == amount
    assert -sum(e.commission_cents for e in [*events, done.event]) == commission
    owed_back = clawed - (done.adjustment.amount_cents if done.adjustment else 0)
    if c.status == "Paid":  # what left, less what came back, is what the affiliate keeps: 0
        assert c.commission_cents - owed_back == 0


def test_tax_earns_commission_only_when_the_program_counts_it() -> None:
    sale = Sale("ch_1", 9900, "USD", None, None, tax_cents=1000)
    assert booked_amount(credited(), sale) == 9900
    assert booked_amount(replace(credited(), commission_includes_tax=True), sale) == 10900
