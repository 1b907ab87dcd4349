"""Conversions: the booked row, its timeline events, and their API shapes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from libs.contracts.attribution_methods import AttributionMethod
from libs.contracts.conversions import ConversionEventResponse, ConversionResponse

OVERRIDE_METHOD = AttributionMethod.sub_affiliate_override


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


def to_response(c: Conversion) -> ConversionResponse:
    """The ConversionResponse of the reference."""
    return ConversionResponse(
        id=c.id, affiliate_id=c.affiliate_id, program_id=c.program_id,
        amount_cents=c.amount_cents, currency=c.currency, commission_cents=c.commission_cents,
        status=c.status, type=c.type, stripe_subscription_id=c.stripe_subscription_id,
        stripe_customer_id=c.stripe_customer_id, external_event_id=c.external_event_id,
        created_at=c.created_at, refunded_at=c.refunded_at,
        attribution_method=c.attribution_method, coupon_code=c.coupon_code,
        parent_affiliate_conversion_id=c.parent_affiliate_conversion_id)


def event_response(e: ConversionEvent) -> ConversionEventResponse:
    return ConversionEventResponse(id=e.id, event_type=e.event_type, amount_cents=e.amount_cents,
                                   commission_cents=e.commission_cents,
                                   occurred_at=e.occurred_at)
