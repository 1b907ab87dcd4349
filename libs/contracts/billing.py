"""``GET /api/billing/state`` and what the gateway asks the owners of the usage it reports:
the ledger counts live affiliates and programs (``usage.counts``), the payouts service sums
what it paid since a moment, per currency and day (``payouts.paid_since``); the gateway, which
owns the org and its plan, puts the snapshot together."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from libs.contracts.common import Resource, Timestamp
from libs.contracts.orgs import PlanTier, SubscriptionStatus
from libs.shared.rpc import Rpc

BillingInterval = Literal["Monthly", "Annual"]


class Usage(Resource):
    current: int
    max: int | None = Field(description="null: unlimited on the current tier")


class PlanLimits(Resource):
    affiliates: Usage = Field(description="Live affiliates (not deleted, Rejected or Banned).")
    campaigns: Usage = Field(description="Live (not archived) programs.")
    partner_payouts_this_month_cents: Usage = Field(
        alias="partnerPayoutsThisMonthCents",
        description="Paid payouts since the start of the UTC month, in the home currency's "
                    "minor units (other currencies converted at the rate of the day paid).")
    team_seats: Usage = Field(alias="teamSeats")


class BillingState(Resource):
    plan_tier: PlanTier = Field(alias="planTier")
    subscription_status: SubscriptionStatus = Field(alias="subscriptionStatus")
    trial_ends_at: Timestamp | None = Field(alias="trialEndsAt")
    interval: BillingInterval | None = Field(description="null without a paid subscription")
    stripe_subscription_id: str | None = Field(alias="stripeSubscriptionId")
    stripe_customer_linked: bool = Field(alias="stripeCustomerLinked")
    stripe_connect_linked: bool = Field(
        alias="stripeConnectLinked",
        description="true: the org's checkout webhooks reach Rekomi; false: attribute "
                    "conversions with coupon codes, the browser pixel or S2S.")
    limits: PlanLimits


# ---- what the owners answer ------------------------------------------------------------------
class OrgUsageQuery(BaseModel):
    org_id: uuid.UUID = Field(alias="orgId")

    model_config = ConfigDict(populate_by_name=True)


class OrgUsage(Resource):
    affiliates: int
    campaigns: int


class PaidSinceQuery(BaseModel):
    org_id: uuid.UUID = Field(alias="orgId")
    since: AwareDatetime

    model_config = ConfigDict(populate_by_name=True)


class PaidOnDay(Resource):
    currency: str
    day: date = Field(description="The UTC day the payouts were paid.")
    amount_cents: int = Field(alias="amountCents")


class PaidSince(Resource):
    items: list[PaidOnDay] = Field(description="One per currency and day, by currency and day.")


ORG_USAGE = Rpc("ledger", "usage.counts", OrgUsageQuery, OrgUsage)
PAID_SINCE = Rpc("payouts", "payouts.paid_since", PaidSinceQuery, PaidSince)
