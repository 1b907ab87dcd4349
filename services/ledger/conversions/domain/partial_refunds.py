"""Partial refunds: a provider says how much of a payment it has refunded so far, in all
(``refundedCents`` of ``paidCents``), and the ledger refunds that share of the sale's booked
amount and commission, pro rata.

Shares are cumulative, so each step brings the refunded figures up to the share of the figures
the row was BOOKED with (never of a commission a previous step lowered), and a share no larger
than one seen before changes nothing: copies and reorderings land on the same figures. A share
of 1 (or an S2S refund, which names none) is a whole refund (``domain/refunds.py``).

What a step takes back depends on where the commission is: one not paid yet is lowered (what is
payable shrinks); one that left, or that a payout run has claimed and will pay as claimed, stays
as paid and leaves a claw-back of the step (a negative balance adjustment, netted against the
next payout, as a whole refund's is). The status never changes.

Rounding: integer cents, half away from zero, of ``booked * refunded / paid``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction

from libs.shared.errors import ValidationFailed
from services.ledger.conversions.domain.model import Conversion, ConversionEvent
from services.ledger.conversions.domain.refunds import REFUND_REASON, Adjustment, RefundProgress

WHOLE = Fraction(1)


def share_of(refunded_cents: int | None, paid_cents: int | None) -> Fraction:
    """The refunded share of a payment: whole without figures (an S2S refund) or when the
    refunds reached what was paid. One figure without the other is refused (the bus
    dead-letters it) rather than taken for a whole refund."""
    if refunded_cents is None and paid_cents is None:
        return WHOLE
    if refunded_cents is None or paid_cents is None:
        raise ValidationFailed("a partial refund needs both refundedCents and paidCents",
                               field="paidCents" if paid_cents is None else "refundedCents")
    return min(Fraction(refunded_cents, paid_cents), WHOLE)


def pro_rata(cents: int, share: Fraction) -> int:
    """``cents * share`` in whole cents, half away from zero (exact: no float, no Decimal
    context)."""
    whole, rest = divmod(abs(cents) * share.numerator, share.denominator)
    rounded = whole + (1 if 2 * rest >= share.denominator else 0)
    return rounded if cents >= 0 else -rounded


@dataclass(frozen=True, slots=True)
class PartialRefund:
    conversion: Conversion  # its commission lowered, unless it had left
    progress: RefundProgress
    event: ConversionEvent  # the timeline's ``refund``: this step's amount and commission, negated
    adjustment: Adjustment | None  # the step's claw-back, when the commission had left


def refund_share(c: Conversion, progress: RefundProgress, share: Fraction, *, paid_out: bool,
                 at: datetime, event_id: uuid.UUID, adjustment_id: uuid.UUID
                 ) -> PartialRefund | None:
    """``c`` with ``share`` of its booked figures refunded in all; None when it is Refunded, or
    a share as large was refunded already. ``paid_out``: its commission left (Paid) or a
    payout run claimed it."""
    if c.status == "Refunded":
        return None
    amount = pro_rata(progress.booked_amount_cents, share) - progress.refunded_amount_cents
    commission = (pro_rata(progress.booked_commission_cents, share)
                  - progress.refunded_commission_cents)
    if amount <= 0 and commission <= 0:  # both follow the share: they never move apart
        return None
    refunded = replace(progress, refunded_amount_cents=progress.refunded_amount_cents + amount,
                       refunded_commission_cents=progress.refunded_commission_cents + commission)
    event = ConversionEvent(event_id, c.id, "refund", -amount, -commission, at)
    if not paid_out or commission == 0:
        return PartialRefund(replace(c, commission_cents=c.commission_cents - commission),
                             refunded, event, None)
    clawed = replace(refunded, clawed_back_cents=progress.clawed_back_cents + commission)
    # Keyed by the refunded commission after the step, which each step raises: a claw-back
    # per step, and a copy of one is a no-op.
    adjustment = Adjustment(adjustment_id, c.org_id, c.affiliate_id, c.currency, -commission,
                            c.id, REFUND_REASON, at,
                            refund_step=refunded.refunded_commission_cents)
    return PartialRefund(c, clawed, event, adjustment)


def net_of_refunds(c: Conversion, progress: RefundProgress) -> Conversion:
    """``c`` as the dashboard counts it: its booked amount and commission less what partial
    refunds took back, also when the commission stays on a Paid row (clawed back instead)."""
    return replace(c, amount_cents=progress.booked_amount_cents - progress.refunded_amount_cents,
                   commission_cents=(progress.booked_commission_cents
                                     - progress.refunded_commission_cents))
