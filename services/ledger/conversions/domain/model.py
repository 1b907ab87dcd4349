"""Conversions: the booked row, its timeline events, and their API shapes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.ledger.affiliates.domain.links import iso

OVERRIDE_METHOD = "sub_affiliate_override"


@dataclass(frozen=True, slots=True)
class Conversion:
    id: uuid.UUID
    org_id: uuid.UUID
    program_id: uuid.UUID
    affiliate_id: uuid.UUID
    amount_cents: int
    currency: str
    commission_cents: int
    status: str
    type: str
    external_event_id: str | None
    stripe_subscription_id: str | None
    stripe_customer_id: str | None
    customer_id: str | None
    customer_email: str | None
    attribution_method: str | None
    coupon_code: str | None
    parent_affiliate_conversion_id: uuid.UUID | None
    created_at: datetime
    approved_at: datetime | None = None
    refunded_at: datetime | None = None
    approve_after: datetime | None = None  # Pending until then (the org's payout grace days)


@dataclass(frozen=True, slots=True)
class ConversionEvent:
    id: uuid.UUID
    conversion_id: uuid.UUID
    event_type: str  # initial | renewal | refund
    amount_cents: int
    commission_cents: int
    occurred_at: datetime


def override_of(parent: Conversion, *, new_id: uuid.UUID, recruiter_id: uuid.UUID,
                commission_cents: int) -> Conversion:
    """The recruiter's row beside a recruit's sale: amount 0, one tier only."""
    return Conversion(
        id=new_id, org_id=parent.org_id, program_id=parent.program_id,
        affiliate_id=recruiter_id, amount_cents=0, currency=parent.currency,
        commission_cents=commission_cents, status=parent.status, type=parent.type,
        external_event_id=parent.external_event_id, stripe_subscription_id=None,
        stripe_customer_id=None, customer_id=None, customer_email=None,
        attribution_method=OVERRIDE_METHOD, coupon_code=None,
        parent_affiliate_conversion_id=parent.id, created_at=parent.created_at,
        approve_after=parent.approve_after)


def to_response(c: Conversion) -> dict[str, Any]:
    """The ConversionResponse of the reference."""
    return {
        "id": str(c.id), "affiliateId": str(c.affiliate_id), "programId": str(c.program_id),
        "amountCents": c.amount_cents, "currency": c.currency,
        "commissionCents": c.commission_cents, "status": c.status, "type": c.type,
        "stripeSubscriptionId": c.stripe_subscription_id,
        "stripeCustomerId": c.stripe_customer_id, "externalEventId": c.external_event_id,
        "createdAt": iso(c.created_at),
        "refundedAt": iso(c.refunded_at) if c.refunded_at else None,
        "attributionMethod": c.attribution_method, "couponCode": c.coupon_code,
        "parentAffiliateConversionId": (str(c.parent_affiliate_conversion_id)
                                        if c.parent_affiliate_conversion_id else None),
    }


def event_response(e: ConversionEvent) -> dict[str, Any]:
    return {"id": str(e.id), "eventType": e.event_type, "amountCents": e.amount_cents,
            "commissionCents": e.commission_cents, "occurredAt": iso(e.occurred_at)}
