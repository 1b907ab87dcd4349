"""What tracking hands the ledger once a sale, refund or lead is accepted and attributed.

Tracking answers the S2S caller only after one of these is durable in its outbox; the ledger books
it from the bus. The conversion id is chosen by tracking (it is in the S2S answer), so the ledger's
booking is idempotent on it: a redelivered message books nothing twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from libs.contracts.attribution_methods import AttributionMethod
from libs.contracts.common import ApiModel

SALE_ACCEPTED = "tracking.sale.accepted"
REFUND_ACCEPTED = "tracking.refund.accepted"
LEAD_ACCEPTED = "tracking.lead.accepted"
ATTRIBUTED_KEYS = [SALE_ACCEPTED, REFUND_ACCEPTED, LEAD_ACCEPTED]
# Stripe and Paddle ingestion (issue 23): a payment disputed and the dispute's end, and a
# subscription the brand's billing ended (no renewals after it; the churn insight counts it).
DISPUTE_OPENED = "tracking.dispute.opened"
DISPUTE_CLOSED = "tracking.dispute.closed"
SUBSCRIPTION_ENDED = "tracking.subscription.ended"


class SaleOrigin(ApiModel):
    """The originating click of a sale, as tracking recorded it: the dimensions the dashboard's
    insights slice sales by. Internal: never part of a conversion's wire shape."""

    referrer_host: str | None = Field(alias="referrerHost")
    country: str  # ISO alpha-2, or ``unknown``
    device_class: str = Field(alias="deviceClass")  # Mobile | Tablet | Desktop | Bot
    utm_source: str | None = Field(default=None, alias="utmSource")
    utm_medium: str | None = Field(default=None, alias="utmMedium")
    utm_campaign: str | None = Field(default=None, alias="utmCampaign")
    sub_id: str | None = Field(default=None, alias="subId")
    clicked_at: datetime = Field(alias="clickedAt")


class AcceptedSale(ApiModel):
    """A sale credited to one affiliate. ``attributionMethod`` is None when the caller named the
    affiliate's slug, ``email_match`` when a lead's email found it, ``subscription`` when an
    earlier sale of the same subscription did (a renewal). ``origin``: the click the sale's
    ``referral`` names, when it was found and credits the same affiliate and program.
    ``linkSlug``: the link the sale came through (the ``affiliateSlug`` that credited it, else
    its originating click's link), for the affiliate's own insights."""

    org_id: uuid.UUID = Field(alias="orgId")
    conversion_id: uuid.UUID = Field(alias="conversionId")
    external_event_id: str = Field(alias="externalEventId")
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    program_id: uuid.UUID = Field(alias="programId")
    amount_cents: int = Field(alias="amountCents", ge=0)
    currency: str
    customer_id: str | None = Field(default=None, alias="customerId")
    customer_email: str | None = Field(default=None, alias="customerEmail")
    subscription_id: str | None = Field(default=None, alias="subscriptionId")
    attribution_method: AttributionMethod | None = Field(default=None, alias="attributionMethod")
    payout_grace_days: int = Field(alias="payoutGraceDays", ge=0)
    occurred_at: datetime = Field(alias="occurredAt")
    origin: SaleOrigin | None = None
    link_slug: str | None = Field(default=None, alias="linkSlug")
    # Stripe and Paddle ingestion: the brand's customer id at the provider (``cus_``/``ctm_``),
    # the redeemed code when a coupon credited the sale, and the tax on the payment, which
    # ``amountCents`` excludes and the ledger adds when the program counts tax.
    stripe_customer_id: str | None = Field(default=None, alias="stripeCustomerId")
    coupon_code: str | None = Field(default=None, alias="couponCode")
    tax_cents: int = Field(default=0, alias="taxCents", ge=0)


class AcceptedRefund(ApiModel):
    """A refund of an earlier sale (``saleExternalEventId``). Without ``refundedCents`` it is
    whole (S2S): the sale's conversion and its override become Refunded; a Paid one leaves a
    negative adjustment.

    A provider's refund carries ``refundedCents`` of ``paidCents``: what the payment has had
    refunded so far, in all (Stripe's ``charge.amount_refunded``, cumulative), out of what was
    paid. The ledger refunds that share of the sale's amount and commission (pro rata), so
    each copy or reordering of a provider's refunds lands on the same figure (the largest
    share seen wins); a share of 1 is a whole refund."""

    org_id: uuid.UUID = Field(alias="orgId")
    external_event_id: str = Field(alias="externalEventId")
    sale_external_event_id: str = Field(alias="saleExternalEventId")
    occurred_at: datetime = Field(alias="occurredAt")
    refunded_cents: int | None = Field(default=None, alias="refundedCents", ge=0)
    paid_cents: int | None = Field(default=None, alias="paidCents", gt=0)


class DisputeOpened(ApiModel):
    """A customer disputed the payment of a sale: its commission is held (never approved or
    paid) until the dispute closes. A Paid commission is not held (it left already)."""

    org_id: uuid.UUID = Field(alias="orgId")
    dispute_id: str = Field(alias="disputeId")
    sale_external_event_id: str = Field(alias="saleExternalEventId")
    occurred_at: datetime = Field(alias="occurredAt")


class DisputeClosed(ApiModel):
    """The dispute's end: lost (``won`` false) refunds the sale whole, as a refund does; won
    releases the hold. It may arrive before its ``DisputeOpened``: the close wins."""

    org_id: uuid.UUID = Field(alias="orgId")
    dispute_id: str = Field(alias="disputeId")
    sale_external_event_id: str = Field(alias="saleExternalEventId")
    won: bool
    occurred_at: datetime = Field(alias="occurredAt")


class SubscriptionEnded(ApiModel):
    """The provider ended a subscription (Stripe ``customer.subscription.deleted``, Paddle
    ``subscription.canceled``): tracking books no renewal of it after ``endedAt``; the
    recurring insight counts it as churned on that day."""

    org_id: uuid.UUID = Field(alias="orgId")
    subscription_id: str = Field(alias="subscriptionId")
    ended_at: datetime = Field(alias="endedAt")


class AcceptedLead(ApiModel):
    """A free identified signup: a LeadReward row (0/0 on CPS, the program's value on CPL)."""

    org_id: uuid.UUID = Field(alias="orgId")
    conversion_id: uuid.UUID = Field(alias="conversionId")
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    program_id: uuid.UUID = Field(alias="programId")
    email: str
    name: str | None = None
    external_event_id: str | None = Field(default=None, alias="externalEventId")
    currency: str
    payout_grace_days: int = Field(alias="payoutGraceDays", ge=0)
    occurred_at: datetime = Field(alias="occurredAt")
