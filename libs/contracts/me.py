"""The affiliate side (``/api/v1/me/...``, JWT only): an affiliate person's memberships, their
balances, sub-affiliate recruiting and payout details, and the owners' methods behind them.

The gateway resolves the JWT to the person's memberships (one per affiliate row: an org, a
program, an affiliate id) and sends them, with the org's name and handle (it owns orgs), in
every command (``MeScoped``, ``libs/contracts/affiliate_sessions.py``). The payouts the person
received are the payouts service's (``libs/contracts/me_payouts.py``)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from libs.contracts.affiliate_sessions import MeScoped
from libs.contracts.common import CursorText, Resource, Timestamp
from libs.shared.errors import ValidationFailed
from libs.shared.rpc import Rpc


class SubAffiliateRecruitingDisabled(ValidationFailed):
    """400: the campaign's sub-affiliate toggle is off (the reference's code)."""

    code = "sub_affiliate_recruiting_disabled"


# ---- GET /api/v1/me/sub-affiliate/link and /recruits ----------------------------------------
class RecruitLinkQuery(BaseModel):
    program_id: uuid.UUID = Field(alias="programId")

    model_config = ConfigDict(populate_by_name=True)


class RecruitsQuery(BaseModel):
    take: int = Field(default=50, ge=1, le=200)
    cursor: CursorText | None = None
    program_id: uuid.UUID | None = Field(default=None, alias="programId", description=(
        "Only the recruits of your membership in this program (404 when you have none)."))

    model_config = ConfigDict(populate_by_name=True)


class RecruitLink(Resource):
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    program_id: uuid.UUID = Field(alias="programId")
    program_slug: str = Field(alias="programSlug")
    url: str = Field(description="`https://{handle}.rekomi.com/{programSlug}"
                                 "?recruited_by={affiliateId}`")


class Recruit(Resource):
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    email: str
    full_name: str | None = Field(alias="fullName")
    status: str
    total_commission_generated_cents: int = Field(
        alias="totalCommissionGeneratedCents",
        description="The commission the recruit's own activity generated (Refunded and "
                    "Denied rows aside), in `currency`.")
    override_earned_cents: int = Field(alias="overrideEarnedCents", description=(
        "What you earned from it (your `sub_affiliate_override` rows), in `currency`."))
    currency: str = Field(description="The org's home currency: each day's sums converted "
                                      "at that day's rate.")
    joined_at: Timestamp = Field(alias="joinedAt", description="When the recruit applied.")


class RecruitList(Resource):
    items: list[Recruit]
    next_cursor: str | None = Field(alias="nextCursor")


class GetRecruitLink(MeScoped):
    needs_org_names = True  # the link is on the org's branded subdomain

    program_id: uuid.UUID = Field(alias="programId")


class ListRecruits(MeScoped):
    take: int = Field(default=50, ge=1, le=200)
    cursor: CursorText | None = None
    program_id: uuid.UUID | None = Field(default=None, alias="programId")


# ---- GET /api/v1/me/memberships ---------------------------------------------------------------
class MembershipOrg(Resource):
    id: uuid.UUID
    name: str
    handle: str


class MembershipProgram(Resource):
    id: uuid.UUID
    name: str
    slug: str


class MembershipLink(Resource):
    slug: str
    url: str = Field(description="The short link (`/r/{slug}`) to share.")
    is_default: bool = Field(alias="isDefault")


class MembershipBalance(Resource):
    """Sums of the affiliate's own commission rows (sales, leads, click rewards, bonuses and
    sub-affiliate overrides) in one currency, by where they are in their lifecycle; Refunded
    and Denied rows count nowhere. Never converted."""

    currency: str
    pending_cents: int = Field(alias="pendingCents", description=(
        "Pending: inside the org's payout grace days, or Approved but held by an open "
        "payment dispute; may still be refunded or denied."))
    approved_cents: int = Field(alias="approvedCents", description=(
        "Approved, in no payout yet and not held by a dispute: what the next payout run pays "
        "(less `clawbackCents`)."))
    in_payout_cents: int = Field(alias="inPayoutCents", description=(
        "Approved and claimed by a payout that is not paid yet (processing, or failed and "
        "awaiting a retry)."))
    paid_cents: int = Field(alias="paidCents", description=(
        "Paid. A paid commission refunded later leaves this sum and shows in "
        "`clawbackCents` until a payout nets it."))
    clawback_cents: int = Field(alias="clawbackCents", description=(
        "Open claw-backs (zero or negative): paid commissions refunded since, which the next "
        "payout deducts."))


class MyMembership(Resource):
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    email: str
    status: str
    joined_at: Timestamp = Field(alias="joinedAt")
    organization: MembershipOrg
    program: MembershipProgram
    links: list[MembershipLink] = Field(description="Approved affiliates' links (the only "
                                                    "ones that track); empty otherwise.")
    balances: list[MembershipBalance] = Field(description="One per currency, by code.")


class MyMembershipList(Resource):
    items: list[MyMembership]


class ListMemberships(MeScoped):
    needs_org_names = True  # each membership shows its org


# ---- declared methods ------------------------------------------------------------------------
RECRUIT_LINK = Rpc("ledger", "me.recruit_link", GetRecruitLink, RecruitLink)
LIST_RECRUITS = Rpc("ledger", "me.recruits", ListRecruits, RecruitList)
LIST_MEMBERSHIPS = Rpc("ledger", "me.memberships", ListMemberships, MyMembershipList)
