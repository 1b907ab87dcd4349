"""The public storefront: program landing info, custom-domain resolution and the application
form, plus the ledger's methods behind them (no org id comes from the caller)."""

from __future__ import annotations

import uuid
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, RootModel, StrictStr

from libs.contracts.common import Actor, ApiModel, Resource
from libs.contracts.programs import OrgScoped
from libs.shared.rpc import Rpc

Text = Annotated[StrictStr, Field(max_length=2000)]


class ApplyBody(ApiModel):
    """Every field but ``email`` is optional. ``customAlias`` becomes the default link slug:
    ``[a-z0-9-]{3,64}``, no leading or trailing ``-``, not a reserved word."""

    email: EmailStr
    full_name: Annotated[StrictStr, Field(max_length=200)] | None = Field(
        default=None, alias="fullName")
    website: Annotated[StrictStr, Field(max_length=2048)] | None = None
    audience: Text | None = None
    why_interested: Text | None = Field(default=None, alias="whyInterested")
    custom_alias: Annotated[StrictStr, Field(pattern=r"^[a-z0-9-]{3,64}$")] | None = Field(
        default=None, alias="customAlias")
    recruited_by_affiliate_id: uuid.UUID | None = Field(default=None,
                                                        alias="recruitedByAffiliateId")

    def application_data(self) -> dict[str, str] | None:
        """The form answers kept for the brand's review screen (never shown to API keys)."""
        answers = {"website": self.website, "audience": self.audience,
                   "whyInterested": self.why_interested}
        kept = {key: value for key, value in answers.items() if value is not None}
        return kept or None


class ApplyResult(Resource):
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    status: str
    affiliate_link_slug: str | None = Field(alias="affiliateLinkSlug")
    message: str


APPLICATION_RECEIVED: Final = "application_received"


class ApplicationReceived(Resource):
    """The reference's reply to an email that already applied to this program: nothing is
    written and no event fires, and no id is handed out that would never resolve."""

    ok: Literal[True]
    message: Literal["application_received"]


class ApplyReply(RootModel[ApplyResult | ApplicationReceived]):
    """A fresh application's result, or the fixed reply to a duplicate (same status, 200)."""


class StorefrontProgram(Resource):
    id: uuid.UUID
    organization_name: str = Field(alias="organizationName")
    name: str
    slug: str
    description: str | None
    terms_url: str | None = Field(alias="termsUrl")
    custom_alias_supported: bool = Field(alias="customAliasSupported")


class DomainQuery(BaseModel):
    host: Annotated[str, Field(min_length=1, max_length=260)]


class DomainResult(Resource):
    handle: str
    slug: str


# ---- the ledger's request/reply methods ------------------------------------------------------
class ProgramByHandle(OrgScoped):
    """The gateway resolved the handle to ``orgId``; no ``campaign`` = the primary campaign."""

    campaign: str | None = None


class ProgramByDomain(BaseModel):
    host: str


class Apply(BaseModel):
    program_id: uuid.UUID = Field(alias="programId")
    actor: Actor
    data: ApplyBody

    model_config = ConfigDict(populate_by_name=True)


class StorefrontListing(Resource):
    """A campaign's landing-page fields as the ledger knows them; the gateway adds the org's
    name (``StorefrontProgram``). No org id leaves."""

    id: uuid.UUID
    name: str
    slug: str
    description: str | None
    terms_url: str | None = Field(alias="termsUrl")
    custom_alias_supported: bool = Field(alias="customAliasSupported")


class DomainOwner(Resource):
    org_id: uuid.UUID = Field(alias="orgId")
    slug: str


# ---- declared methods ------------------------------------------------------------------------
PROGRAM_BY_HANDLE = Rpc("ledger", "storefront.by_handle", ProgramByHandle, StorefrontListing)
PROGRAM_BY_DOMAIN = Rpc("ledger", "storefront.by_domain", ProgramByDomain, DomainOwner)
APPLY = Rpc("ledger", "storefront.apply", Apply, ApplyReply)
