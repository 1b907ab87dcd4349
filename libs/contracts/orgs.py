"""An org's settings as the gateway (which owns ``orgs``) announces them to the other services,
which keep their own copies (the ledger books click rewards in the home currency with the payout
grace days). Internal events, not webhook types: the reference lists no ``org.*`` webhooks.

``org.settings_changed`` carries the whole current state, staged in the gateway's outbox in the
transaction of every change (and once per existing org when the event was introduced).
``changedAt`` is the org row's ``updated_at``, which every change moves strictly forward, so a
copy keeps the event with the latest ``changedAt`` and ignores older or repeated ones.

``org.settings_requested`` asks the gateway to announce one org again: a consumer that meets an
org it has no copy of (its event was published before the consumer's queue existed) pulls it.

``OrgProfile`` is the public ``GET /api/organizations/me``, ``OrgProfilePatch`` the dashboard
Owner's ``PATCH`` of it (libs/contracts/billing.py has the billing state)."""

from __future__ import annotations

import functools
import uuid
import zoneinfo
from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import (
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from libs.contracts.common import WHOLE_NUMBER, ApiModel, PatchBody, Resource, Timestamp
from libs.shared.errors import ValidationFailed

ORG_SETTINGS_CHANGED = "org.settings_changed"
ORG_SETTINGS_REQUESTED = "org.settings_requested"
PROFILE_CHANGED = "org.profile_changed"  # the audit action of a profile PATCH

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


# The most grace days any tier allows is the plan table's business (the gateway checks the
# org's own ceiling); this bound only keeps nonsense out of the schema.
GRACE_DAYS_BOUND = 365
BRAND_COLOR = r"^#[0-9A-Fa-f]{6}$"


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class OrgProfilePatch(PatchBody):
    """``PATCH /api/organizations/me``: only the keys sent change; ``billingEmail``,
    ``primaryBrandColor`` and ``description`` take null to clear, the others refuse it."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=200)] | None = None
    billing_email: Annotated[EmailStr, Field(max_length=320)] | None = Field(
        default=None, alias="billingEmail")
    timezone: str | None = Field(default=None, max_length=64, description=(
        "An IANA time zone name, e.g. `America/Los_Angeles` or `UTC`."))
    primary_brand_color: Annotated[str, Field(pattern=BRAND_COLOR)] | None = Field(
        default=None, alias="primaryBrandColor", description="`#RRGGBB`; stored upper-case.")
    description: Annotated[str, Field(max_length=2000)] | None = None
    payout_grace_days: Annotated[int, Field(ge=0, le=GRACE_DAYS_BOUND), WHOLE_NUMBER] | None = (
        Field(default=None, alias="payoutGraceDays", description=(
            "Days a commission stays Pending (refundable) before it is approved for payout; "
            "at most the tier's `payoutGraceDaysMax`.")))

    NULLABLE: ClassVar[frozenset[str]] = frozenset(
        {"billing_email", "primary_brand_color", "description"})

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str | None) -> str | None:
        if value is not None and value not in _timezones():
            raise ValidationFailed("timezone must be an IANA time zone name, e.g. "
                                   "America/Los_Angeles", field="timezone")
        return value

    @field_validator("primary_brand_color")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value is not None else None

    def changes(self) -> dict[str, object]:
        """The keys sent, by field name (the org row's column names)."""
        return {name: getattr(self, name) for name in self.model_fields_set}

    @classmethod
    def wire_name(cls, name: str) -> str:
        return cls.model_fields[name].alias or name
