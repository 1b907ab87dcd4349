"""CPC: one closed bucket of an affiliate's clicks becomes one ClickReward conversion (amount 0,
the per-click value times the clicks). No sub-affiliate override: the reference pays overrides
on sales only."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from libs.contracts.attribution_methods import AttributionMethod
from services.ledger.conversions.domain.booking import Target
from services.ledger.conversions.domain.commissions import click_commission
from services.ledger.conversions.domain.denials import booked_status
from services.ledger.conversions.domain.model import Conversion

CPC_METHOD = AttributionMethod.cpc_aggregation


def bucket_event_id(bucket_id: uuid.UUID) -> str:
    """The bucket's key in (org, externalEventId): a redelivered bucket books nothing twice."""
    return f"cpc:{bucket_id}"


def click_reward(target: Target, *, clicks: int, bucket_id: uuid.UUID, currency: str,
                 conversion_id: uuid.UUID, now: datetime, grace_days: int) -> Conversion | None:
    """The bucket's ClickReward, or None when it earns nothing (not a CPC program, or a
    Percentage value, which has no base on a click): nothing payable, no row. Denied for a
    Banned affiliate (a bucket can close after the ban that stopped its link)."""
    cents = click_commission(target.terms, clicks, currency)
    if cents <= 0:
        return None
    return Conversion(
        id=conversion_id, org_id=target.org_id, program_id=target.program_id,
        affiliate_id=target.affiliate_id, amount_cents=0, currency=currency,
        commission_cents=cents, status=booked_status(target.banned), type="ClickReward",
        external_event_id=bucket_event_id(bucket_id), stripe_subscription_id=None,
        stripe_customer_id=None, customer_id=None, customer_email=None,
        attribution_method=CPC_METHOD, coupon_code=None, parent_affiliate_conversion_id=None,
        created_at=now, approve_after=now + timedelta(days=grace_days))
