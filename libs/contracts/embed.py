"""Embed (the reference's white-label iframe): minting and revoking a per-affiliate token
(``POST /api/v1/embed/tokens``, ``.../{id}/revoke``: the gateway owns tokens), and the public
embedded dashboard (``GET /api/embed/public/dashboard``), whose figures the gateway asks of the
ledger (``embed.figures``) and themes with the org's brand, which it owns."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictBool, StrictStr

from libs.contracts.common import WHOLE_NUMBER, ApiModel, Resource, Timestamp
from libs.contracts.programs import OrgScoped
from libs.shared.rpc import Rpc

RECENT_CONVERSIONS = 10
ORIGINS_NOTE = ("Comma-separated origins (`scheme://host[:port]`, http or https): compared "
                "exactly with the browser's `Origin` (no wildcards, no prefix matching). "
                "Written back normalised: lower case, without a default port or a trailing "
                "`/`, duplicates dropped.")


# ---- POST /api/v1/embed/tokens ----------------------------------------------------------------
class EmbedTokenBody(ApiModel):
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    allowed_origins: Annotated[StrictStr, Field(max_length=4000)] | None = Field(
        default=None, alias="allowedOrigins", description=(
            ORIGINS_NOTE + " At most 20. Empty or absent: the token is refused everywhere "
            "(403 `no_allowed_origins_configured`) until it is replaced."))
    rotate: StrictBool = Field(default=False, description=(
        "false: an existing live token for this (program, affiliate) is kept and only its "
        "metadata is answered (`alreadyExists: true`); true: it is revoked and replaced."))
    expires_in_hours: Annotated[int, WHOLE_NUMBER] | None = Field(
        default=None, alias="expiresInHours",
        description="Default 24; clamped to 1..720 (30 days).")


class EmbedTokenIssued(Resource):
    """A new (or rotated) token: the plaintext, shown this once."""

    id: uuid.UUID = Field(description="Added by Rekomi: the id to revoke the token with.")
    token: str = Field(description="The plaintext; only its SHA-256 is kept.")
    allowed_origins: str = Field(alias="allowedOrigins")
    expires_at: Timestamp = Field(alias="expiresAt")


class EmbedTokenExisting(Resource):
    """A live token already exists for the affiliate and ``rotate`` was false."""

    id: uuid.UUID
    allowed_origins: str = Field(alias="allowedOrigins")
    expires_at: Timestamp = Field(alias="expiresAt")
    already_exists: Literal[True] = Field(alias="alreadyExists")


class EmbedTokenReply(RootModel[EmbedTokenIssued | EmbedTokenExisting]):
    """The fresh token, or the existing one's metadata (both 200)."""


class EmbedTokenSnapshot(Resource):
    """A token in the audit log (``embed_token.created`` / ``.rotated`` / ``.revoked``):
    never its plaintext or hash."""

    id: uuid.UUID
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    program_id: uuid.UUID = Field(alias="programId")
    allowed_origins: str = Field(alias="allowedOrigins")
    expires_at: Timestamp = Field(alias="expiresAt")


# ---- POST /api/v1/embed/tokens/{id}/revoke ----------------------------------------------------
class EmbedTokenRevoked(Resource):
    ok: Literal[True]


# ---- GET /api/embed/public/dashboard ------------------------------------------------------------
class EmbedDashboardQuery(BaseModel):
    token: Annotated[str, Field(min_length=1, description="The plaintext embed token.")]

    model_config = ConfigDict(populate_by_name=True)


class EmbedConversion(Resource):
    """One of the affiliate's latest sales, in its own currency as booked."""

    id: uuid.UUID
    amount_cents: int = Field(alias="amountCents")
    commission_cents: int = Field(alias="commissionCents")
    currency: str = Field(description="Added by Rekomi: the sale's own currency.")
    status: str
    created_at: Timestamp = Field(alias="createdAt")


class EmbedFigures(Resource):
    """What the ledger knows of the affiliate (``embed.figures``)."""

    affiliate_name: str | None = Field(alias="affiliateName",
                                       description="null when no name is on file")
    program_name: str = Field(alias="programName")
    earned_cents: int = Field(alias="earnedCents", description="`paidCents` + `pendingCents`.")
    paid_cents: int = Field(alias="paidCents", description="Paid commission.")
    pending_cents: int = Field(alias="pendingCents", description=(
        "Commission not paid yet: Pending (inside the payout grace days) and Approved. "
        "Refunded and Denied rows count nowhere; unconfirmed imported history neither."))
    currency: str = Field(description=(
        "Added by Rekomi: the org's home currency, which the three sums are in (each day's "
        "commission converted at that day's rate)."))
    recent_conversions: list[EmbedConversion] = Field(
        alias="recentConversions",
        description=f"The latest {RECENT_CONVERSIONS} sales, newest first, any status.")


class EmbedDashboard(EmbedFigures):
    brand_color: str | None = Field(alias="brandColor",
                                    description="The org's `primaryBrandColor` (`#RRGGBB`).")
    brand_name: str = Field(alias="brandName", description="The org's name.")


class GetEmbedFigures(OrgScoped):
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    currency: str = Field(description="The org's home currency (the gateway owns it).")


EMBED_FIGURES = Rpc("ledger", "embed.figures", GetEmbedFigures, EmbedFigures)
