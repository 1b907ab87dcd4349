"""An org's settings as the gateway (which owns ``orgs``) announces them to the other services,
which keep their own copies (the ledger books click rewards in the home currency with the payout
grace days). Internal events, not webhook types: the reference lists no ``org.*`` webhooks.

``org.settings_changed`` carries the whole current state, staged in the gateway's outbox in the
transaction of every change (and once per existing org when the event was introduced).
``changedAt`` is the org row's ``updated_at``, which every change moves strictly forward, so a
copy keeps the event with the latest ``changedAt`` and ignores older or repeated ones.

``org.settings_requested`` asks the gateway to announce one org again: a consumer that meets an
org it has no copy of (its event was published before the consumer's queue existed) pulls it.

``OrgProfile`` is the public ``GET /api/organizations/me`` (libs/contracts/billing.py has the
billing state)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from libs.contracts.common import ApiModel, Resource, Timestamp

ORG_SETTINGS_CHANGED = "org.settings_changed"
ORG_SETTINGS_REQUESTED = "org.settings_requested"

PlanTier = Literal["Trial", "Starter", "Growth", "Pro"]
SubscriptionStatus = Literal["None", "Trialing", "Active", "PastDue", "Canceled"]


class OrgSettings(ApiModel):
    # Unknown keys are ignored, not refused: the gateway may announce more settings before every
    # consumer knows them, and a refused event would leave that consumer's copy stale.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    org_id: uuid.UUID = Field(alias="orgId")
    home_currency: str = Field(alias="homeCurrency", min_length=3, max_length=3)
    payout_grace_days: int = Field(alias="payoutGraceDays", ge=0)
    plan_tier: PlanTier = Field(alias="planTier")
    subscription_status: SubscriptionStatus = Field(alias="subscriptionStatus")
    changed_at: datetime = Field(alias="changedAt")


class OrgSettingsRequested(ApiModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    org_id: uuid.UUID = Field(alias="orgId")
    requested_by: str = Field(alias="requestedBy", description="The asking service, for logs.")


class OrgProfile(Resource):
    """GET /api/organizations/me: the calling org's profile (writes are dashboard-only)."""

    id: uuid.UUID
    name: str
    slug: str = Field(description="The org's handle (its `{handle}.rekomi.com`).")
    billing_email: str | None = Field(alias="billingEmail")
    timezone: str = Field(description="IANA name; `UTC` until the owner sets one.")
    primary_brand_color: str | None = Field(alias="primaryBrandColor")
    logo_url: str | None = Field(alias="logoUrl")
    description: str | None
    white_label_enabled: bool = Field(alias="whiteLabelEnabled")
    plan_tier: PlanTier = Field(alias="planTier")
    subscription_status: SubscriptionStatus = Field(alias="subscriptionStatus")
    trial_ends_at: Timestamp | None = Field(alias="trialEndsAt")
    payout_grace_days: int = Field(alias="payoutGraceDays")
    payout_grace_days_max: int = Field(
        alias="payoutGraceDaysMax",
        description="The most grace days the org's current tier allows (a lapsed "
                    "subscription counts as Trial).")
