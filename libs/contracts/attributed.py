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


class AcceptedRefund(ApiModel):
    """A refund of an earlier sale (``saleExternalEventId``), whole: the sale's conversion and its
    override become Refunded; a Paid one leaves a negative adjustment."""

    org_id: uuid.UUID = Field(alias="orgId")
    external_event_id: str = Field(alias="externalEventId")
    sale_external_event_id: str = Field(alias="saleExternalEventId")
    occurred_at: datetime = Field(alias="occurredAt")


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
