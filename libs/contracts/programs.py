"""Programs (commission terms): request bodies, the ProgramResponse, and the ledger's methods."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)

from libs.contracts.common import (
    NOT_TEXT,
    WHOLE_NUMBER,
    Actor,
    ApiModel,
    CursorText,
    PatchBody,
    Resource,
    Timestamp,
    number_schema,
)
from libs.shared.errors import ValidationFailed
from libs.shared.rpc import Rpc

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_PERCENT = Decimal(100)


class CommissionType(StrEnum):
    Percentage = "Percentage"
    Fixed = "Fixed"


class CommissionModel(StrEnum):
    Cps = "Cps"
    Cpc = "Cpc"
    Cpl = "Cpl"
    # Legacy values, accepted for existing campaigns; they behave like Cps.
    Cpa = "Cpa"
    RevShare = "RevShare"
    Hybrid = "Hybrid"


class AttributionModel(StrEnum):
    FirstTouch = "FirstTouch"
    LastTouch = "LastTouch"


class NetworkVisibility(StrEnum):
    Private = "Private"
    Networked = "Networked"
    InviteOnly = "InviteOnly"


def _not_public(value: Any) -> Any:
    if value == "Public":
        raise ValueError("'Public' is not a networkVisibility value; use 'Networked' to list the "
                         "program in the affiliate network, or 'Private' / 'InviteOnly'")
    return value


MAX_COMMISSION_VALUE = 100_000_000
CommissionValue = Annotated[
    Decimal, Field(ge=0, le=MAX_COMMISSION_VALUE, max_digits=12, decimal_places=2), NOT_TEXT,
    number_schema(0, MAX_COMMISSION_VALUE)]
Visibility = Annotated[NetworkVisibility, BeforeValidator(_not_public)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=64)]
Description = Annotated[str, Field(max_length=2000)]
Url = Annotated[str, Field(max_length=2048, pattern=r"^https?://[^\s]+$")]
CookieDays = Annotated[int, Field(ge=1, le=365), WHOLE_NUMBER]
DelayInvoices = Annotated[int, Field(ge=0, le=24), WHOLE_NUMBER]


def _valid_host(value: str | None) -> str | None:
    if value is None:
        return None
    host = value.strip().lower().rstrip(".")
    if not _HOST.match(host):
        raise ValueError("must be a hostname such as go.yourbrand.com")
    return host


def _percent_in_range(kind: CommissionType | None, value: Decimal | None) -> None:
    if kind == CommissionType.Percentage and value is not None and value > MAX_PERCENT:
        # Raised as the envelope error itself: pydantic passes non-ValueErrors through, which
        # keeps the field name that a model-level check would otherwise lose.
        raise ValidationFailed("a Percentage commission must be between 0 and 100",
                               field="defaultCommissionValue")


MAX_AFFILIATES = (
    "An added field: the program's capacity, the most affiliates that hold a seat at once "
    "(Approved or Paused; deleted, Rejected and Banned ones free theirs). null = unlimited; 0 "
    "closes it to new ones. A full program answers 409 `program_at_capacity` to applications "
    "and to approvals; lowering it below the seats taken keeps everyone and only stops growth.")
Capacity = Annotated[int, Field(ge=0, le=1_000_000), WHOLE_NUMBER]
REQUIRES_TAX_FORM = ("An added field: when true, an affiliate of this program is paid only once "
                     "a tax form is on file (payout previews say `tax_form_missing`).")
COMMISSION_INCLUDES_TAX = (
    "An added field: when true, a sale reported by Stripe or Paddle books its tax into "
    "`amountCents` and earns commission on it; by default (false) commission is on the amount "
    "net of discounts and tax. Sales booked already keep their figures.")


class ProgramCreate(ApiModel):
    name: Name
    slug: Slug | None = None
    description: Description | None = None
    terms_url: Url | None = Field(default=None, alias="termsUrl")
    default_commission_type: CommissionType = Field(alias="defaultCommissionType")
    default_commission_value: CommissionValue = Field(alias="defaultCommissionValue")
    default_commission_model: CommissionModel = Field(default=CommissionModel.Cps,
                                                      alias="defaultCommissionModel")
    cookie_window_days: CookieDays = Field(default=30, alias="cookieWindowDays")
    recurring_months: Annotated[int, Field(ge=0, le=120), WHOLE_NUMBER] | None = Field(
        default=None, alias="recurringMonths",
        description="null = lifetime (every renewal), 0 = one-time, N = the first N renewals")
    recurring_delay_invoices: DelayInvoices = Field(default=0, alias="recurringDelayInvoices")
    attribution_model: AttributionModel = Field(default=AttributionModel.LastTouch,
                                                alias="attributionModel")
    auto_approve: StrictBool = Field(default=False, alias="autoApprove")
    is_active: StrictBool = Field(default=True, alias="isActive")
    custom_domain: str | None = Field(default=None, alias="customDomain", max_length=253)
    network_visibility: Visibility = Field(default=NetworkVisibility.Private,
                                           alias="networkVisibility")
    is_publicly_discoverable: StrictBool = Field(default=True, alias="isPubliclyDiscoverable")
    requires_tax_form: StrictBool = Field(default=False, alias="requiresTaxForm",
                                          description=REQUIRES_TAX_FORM)
    commission_includes_tax: StrictBool = Field(default=False, alias="commissionIncludesTax",
                                                description=COMMISSION_INCLUDES_TAX)
    max_affiliates: Capacity | None = Field(default=None, alias="maxAffiliates",
                                            description=MAX_AFFILIATES)

    _host = field_validator("custom_domain")(_valid_host)

    @model_validator(mode="after")
    def _percentage_cap(self) -> ProgramCreate:
        _percent_in_range(self.default_commission_type, self.default_commission_value)
        return self


class ProgramPatch(PatchBody):
    """Every key optional; only the keys sent change. ``recurringMonths: -1`` clears the cap back
    to lifetime (null); ``recurringMonths: null`` leaves it as it is; ``maxAffiliates: null``
    makes the program unlimited again."""

    name: Name | None = None
    slug: Slug | None = None
    description: Description | None = None
    terms_url: Url | None = Field(default=None, alias="termsUrl")
    default_commission_type: CommissionType | None = Field(default=None,
                                                           alias="defaultCommissionType")
    default_commission_value: CommissionValue | None = Field(default=None,
                                                             alias="defaultCommissionValue")
    default_commission_model: CommissionModel | None = Field(default=None,
                                                             alias="defaultCommissionModel")
    cookie_window_days: CookieDays | None = Field(default=None, alias="cookieWindowDays")
    recurring_months: Annotated[int, Field(ge=-1, le=120), WHOLE_NUMBER] | None = Field(
        default=None, alias="recurringMonths",
        description="-1 clears the cap back to lifetime; null or absent leaves it unchanged")
    recurring_delay_invoices: DelayInvoices | None = Field(default=None,
                                                           alias="recurringDelayInvoices")
    attribution_model: AttributionModel | None = Field(default=None, alias="attributionModel")
    auto_approve: StrictBool | None = Field(default=None, alias="autoApprove")
    is_active: StrictBool | None = Field(default=None, alias="isActive")
    custom_domain: str | None = Field(default=None, alias="customDomain", max_length=253)
    network_visibility: Visibility | None = Field(default=None, alias="networkVisibility")
    is_publicly_discoverable: StrictBool | None = Field(default=None,
                                                        alias="isPubliclyDiscoverable")
    requires_tax_form: StrictBool | None = Field(default=None, alias="requiresTaxForm",
                                                 description=REQUIRES_TAX_FORM)
    commission_includes_tax: StrictBool | None = Field(
        default=None, alias="commissionIncludesTax", description=COMMISSION_INCLUDES_TAX)
    max_affiliates: Capacity | None = Field(
        default=None, alias="maxAffiliates", description=MAX_AFFILIATES + " null clears it.")

    _host = field_validator("custom_domain")(_valid_host)

    # Keys that may be set to null explicitly (clearing them); the others refuse null.
    NULLABLE: ClassVar[frozenset[str]] = frozenset(
        {"description", "terms_url", "custom_domain", "recurring_months", "max_affiliates"})

    def changes(self) -> dict[str, Any]:
        """The keys the caller sent, by field name (``recurringMonths: null`` is dropped)."""
        sent = {name: getattr(self, name) for name in self.model_fields_set}
        if sent.get("recurring_months", 0) is None:
            del sent["recurring_months"]
        return sent


class ProgramListQuery(BaseModel):
    take: int = Field(default=50, ge=1, le=200)
    cursor: CursorText | None = None
    include_archived: bool = Field(default=False, alias="includeArchived",
                                   description="Also list archived (soft-deleted) programs.")


class ProgramResponse(Resource):
    id: uuid.UUID
    name: str
    slug: str
    description: str | None
    terms_url: str | None = Field(alias="termsUrl")
    is_active: bool = Field(alias="isActive")
    default_commission_type: CommissionType = Field(alias="defaultCommissionType")
    default_commission_value: float = Field(alias="defaultCommissionValue")
    default_commission_model: CommissionModel = Field(alias="defaultCommissionModel")
    cookie_window_days: int = Field(alias="cookieWindowDays")
    recurring_months: int | None = Field(alias="recurringMonths")
    recurring_delay_invoices: int = Field(alias="recurringDelayInvoices")
    attribution_model: AttributionModel = Field(alias="attributionModel")
    auto_approve: bool = Field(alias="autoApprove")
    custom_domain: str | None = Field(alias="customDomain")
    custom_domain_verified: bool = Field(alias="customDomainVerified")
    network_visibility: NetworkVisibility = Field(alias="networkVisibility")
    is_publicly_discoverable: bool = Field(alias="isPubliclyDiscoverable")
    created_at: Timestamp = Field(alias="createdAt")
    updated_at: Timestamp = Field(alias="updatedAt")
    archived_at: Timestamp | None = Field(alias="archivedAt")
    requires_tax_form: bool = Field(alias="requiresTaxForm", description=REQUIRES_TAX_FORM)
    max_affiliates: int | None = Field(alias="maxAffiliates", description=MAX_AFFILIATES)
    commission_includes_tax: bool = Field(alias="commissionIncludesTax",
                                          description=COMMISSION_INCLUDES_TAX)


class ProgramList(Resource):
    items: list[ProgramResponse]
    next_cursor: str | None = Field(alias="nextCursor")
    has_more: bool = Field(alias="hasMore")


# ---- the ledger's request/reply methods ------------------------------------------------------
class OrgScoped(BaseModel):
    org_id: uuid.UUID = Field(alias="orgId")
    model_config = ConfigDict(populate_by_name=True)


class ListPrograms(OrgScoped):
    take: int = 50
    cursor: CursorText | None = None
    include_archived: bool = Field(default=False, alias="includeArchived")


class GetProgram(OrgScoped):
    program_id: uuid.UUID = Field(alias="programId")


class CreateProgram(OrgScoped):
    actor: Actor
    data: ProgramCreate


class UpdateProgram(OrgScoped):
    actor: Actor
    program_id: uuid.UUID = Field(alias="programId")
    data: ProgramPatch


class ArchiveProgram(OrgScoped):
    actor: Actor
    program_id: uuid.UUID = Field(alias="programId")


# ---- declared methods ------------------------------------------------------------------------
LIST_PROGRAMS = Rpc("ledger", "programs.list", ListPrograms, ProgramList)
GET_PROGRAM = Rpc("ledger", "programs.get", GetProgram, ProgramResponse)
CREATE_PROGRAM = Rpc("ledger", "programs.create", CreateProgram, ProgramResponse)
UPDATE_PROGRAM = Rpc("ledger", "programs.update", UpdateProgram, ProgramResponse)
ARCHIVE_PROGRAM: Rpc[ArchiveProgram, BaseModel] = Rpc("ledger", "programs.archive",
                                                      ArchiveProgram, None)
