"""Refunds: any status -> Refunded. A Paid conversion's commission already left, so refunding it
leaves a negative balance adjustment the affiliate's next payout nets out."""

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


@dataclass(frozen=True, slots=True)
class Refund:
    conversion: Conversion  # now Refunded
    event: ConversionEvent  # the timeline's ``refund``: amount and commission negated
    adjustment: Adjustment | None  # only when it was Paid with a commission


def refund(c: Conversion, *, at: datetime, event_id: uuid.UUID,
           adjustment_id: uuid.UUID) -> Refund | None:
    """The conversion refunded at ``at``; None when it already is (a refund is applied once)."""
    if c.status == "Refunded":
        return None
    event = ConversionEvent(event_id, c.id, "refund", -c.amount_cents, -c.commission_cents, at)
    adjustment = None
    if c.status == "Paid" and c.commission_cents > 0:
        adjustment = Adjustment(adjustment_id, c.org_id, c.affiliate_id, c.currency,
                                -c.commission_cents, c.id, REFUND_REASON, at)
    return Refund(replace(c, status="Refunded", refunded_at=at), event, adjustment)


def unpaid_renewal_refund(anchor_id: uuid.UUID, amount_cents: int, *, at: datetime,
                          event_id: uuid.UUID) -> ConversionEvent:
    """The timeline's ``refund`` of a renewal that earned nothing: no money moves back."""
    return ConversionEvent(event_id, anchor_id, "refund", -amount_cents, 0, at)
