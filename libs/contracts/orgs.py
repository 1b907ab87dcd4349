"""An org's settings as the gateway (which owns ``orgs``) announces them to the other services,
which keep their own copies (the ledger books click rewards in the home currency with the payout
grace days). Internal events, not webhook types: the reference lists no ``org.*`` webhooks.

``org.settings_changed`` carries the whole current state, staged in the gateway's outbox in the
transaction of every change (and once per existing org when the event was introduced).
``changedAt`` is the org row's ``updated_at``, which every change moves strictly forward, so a
copy keeps the event with the latest ``changedAt`` and ignores older or repeated ones.

``org.settings_requested`` asks the gateway to announce one org again: a consumer that meets an
org it has no copy of (its event was published before the consumer's queue existed) pulls it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from libs.contracts.common import ApiModel

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
