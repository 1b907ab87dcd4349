"""S2S sales and leads: who a slug credits, and the conversion rows a sale or lead books."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from services.ledger.conversions.domain.commissions import (
    Terms,
    lead_commission,
    override_commission,
    sale_commission,
)
from services.ledger.conversions.domain.denials import DENIED, booked_status
from services.ledger.conversions.domain.model import Conversion, override_of


@dataclass(frozen=True, slots=True)
class Target:
    """The affiliate a sale or lead credits, with the terms in force now and whether it (or
    its recruiter) is Banned, which books the row (or the override) Denied."""

    org_id: uuid.UUID
    affiliate_id: uuid.UUID
    program_id: uuid.UUID
    terms: Terms
    recruiter_id: uuid.UUID | None
    override_percent: Decimal  # 0 when sub-affiliate recruiting is off
    banned: bool = False
    recruiter_banned: bool = False
    commission_includes_tax: bool = False  # the program's setting: tax earns commission too


@dataclass(frozen=True, slots=True)
class Sale:
    external_event_id: str
    amount_cents: int  # net of discounts and tax
    currency: str
    customer_id: str | None
    subscription_id: str | None
    tax_cents: int = 0
    stripe_customer_id: str | None = None
    coupon_code: str | None = None


def booked_amount(target: Target, sale: Sale) -> int:
    """The amount a sale is booked with, and earns commission on: net of tax, unless the
    program counts tax."""
    return sale.amount_cents + (sale.tax_cents if target.commission_includes_tax else 0)


def sale_conversion(target: Target, sale: Sale, *, conversion_id: uuid.UUID,
                    now: datetime, grace_days: int, customer_email: str | None = None,
                    attribution_method: str | None = None) -> Conversion:
    amount = booked_amount(target, sale)
    return Conversion(
        id=conversion_id, org_id=target.org_id, program_id=target.program_id,
        affiliate_id=target.affiliate_id, amount_cents=amount, currency=sale.currency,
        commission_cents=sale_commission(target.terms, amount, sale.currency),
        status=booked_status(target.banned),
        type="Recurring" if sale.subscription_id else "OneTime",
        external_event_id=sale.external_event_id, stripe_subscription_id=sale.subscription_id,
        stripe_customer_id=sale.stripe_customer_id, customer_id=sale.customer_id,
        customer_email=customer_email, attribution_method=attribution_method,
        coupon_code=sale.coupon_code, parent_affiliate_conversion_id=None, created_at=now,
        approve_after=now + timedelta(days=grace_days))


def lead_conversion(target: Target, *, email: str, external_event_id: str | None,
                    currency: str, conversion_id: uuid.UUID, now: datetime,
                    grace_days: int) -> Conversion:
    """A LeadReward row: 0/0 on CPS programs, the program's value on CPL programs."""
    return Conversion(
        id=conversion_id, org_id=target.org_id, program_id=target.program_id,
        affiliate_id=target.affiliate_id, amount_cents=0, currency=currency,
        commission_cents=lead_commission(target.terms, currency),
        status=booked_status(target.banned),
        type="LeadReward", external_event_id=external_event_id, stripe_subscription_id=None,
        stripe_customer_id=None, customer_id=None, customer_email=email,
        attribution_method=None, coupon_code=None, parent_affiliate_conversion_id=None,
        created_at=now, approve_after=now + timedelta(days=grace_days))


def override_for(target: Target, parent: Conversion, *, conversion_id: uuid.UUID
                 ) -> Conversion | None:
    """The recruiter's override beside ``parent``, or None (no recruiter, recruiting off, or
    nothing to share). One tier: the recruiter's own recruiter never earns from it. It takes
    its parent's status (a denied sale's override is denied), and is Denied for a Banned
    recruiter whatever the parent's."""
    if target.recruiter_id is None:
        return None
    cents = override_commission(parent.commission_cents, target.override_percent)
    if cents <= 0:
        return None
    override = override_of(parent, new_id=conversion_id, recruiter_id=target.recruiter_id,
                           commission_cents=cents)
    return replace(override, status=DENIED) if target.recruiter_banned else override
