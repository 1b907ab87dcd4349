"""Refunds: any status -> Refunded. A Paid conversion's commission already left, so refunding it
leaves a negative balance adjustment the affiliate's next payout nets out. A provider's partial
refunds come before (``partial_refunds.py``); a whole refund after them refunds the rest."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from services.ledger.conversions.domain.model import Conversion, ConversionEvent

REFUND_REASON = "refund"


@dataclass(frozen=True, slots=True)
class Adjustment:
    """Money owed back by an affiliate, in minor units (always negative)."""

    id: uuid.UUID
    org_id: uuid.UUID
    affiliate_id: uuid.UUID
    currency: str
    amount_cents: int
    conversion_id: uuid.UUID
    reason: str
    created_at: datetime
    settled_payout_id: uuid.UUID | None = None
    refund_step: int = 0  # a partial refund's claw-back: its refunded commission, in all; else 0


@dataclass(frozen=True, slots=True)
class RefundProgress:
    """What a conversion had refunded so far by partial refunds (``partial_refunds.py``),
    against the figures it was booked with."""

    conversion_id: uuid.UUID
    booked_amount_cents: int
    booked_commission_cents: int
    refunded_amount_cents: int = 0
    refunded_commission_cents: int = 0
    clawed_back_cents: int = 0  # of the refunded commission, what was owed back (it had left)


def unrefunded(c: Conversion) -> RefundProgress:
    """The progress of a row no partial refund has touched: its figures are the booked ones."""
    return RefundProgress(c.id, c.amount_cents, c.commission_cents)


@dataclass(frozen=True, slots=True)
class Refund:
    conversion: Conversion  # now Refunded
    event: ConversionEvent  # the timeline's ``refund``: what was left of amount and commission
    adjustment: Adjustment | None  # only when it was Paid with a commission still not owed back


def refund(c: Conversion, *, at: datetime, event_id: uuid.UUID, adjustment_id: uuid.UUID,
           progress: RefundProgress | None = None) -> Refund | None:
    """The conversion refunded at ``at``; None when it already is (a refund is applied once).
    After partial refunds (``progress``) it refunds the rest, so the timeline's refunds sum to
    the booked figures negated, and a Paid one claws back what its partial claw-backs left."""
    if c.status == "Refunded":
        return None
    so_far = progress or unrefunded(c)
    event = ConversionEvent(
        event_id, c.id, "refund", so_far.refunded_amount_cents - so_far.booked_amount_cents,
        so_far.refunded_commission_cents - so_far.booked_commission_cents, at)
    owed = c.commission_cents - so_far.clawed_back_cents
    adjustment = None
    if c.status == "Paid" and owed > 0:
        adjustment = Adjustment(adjustment_id, c.org_id, c.affiliate_id, c.currency, -owed,
                                c.id, REFUND_REASON, at)
    return Refund(replace(c, status="Refunded", refunded_at=at), event, adjustment)


def unpaid_renewal_refund(anchor_id: uuid.UUID, amount_cents: int, *, at: datetime,
                          event_id: uuid.UUID) -> ConversionEvent:
    """The timeline's ``refund`` of a renewal that earned nothing: no money moves back."""
    return ConversionEvent(event_id, anchor_id, "refund", -amount_cents, 0, at)
