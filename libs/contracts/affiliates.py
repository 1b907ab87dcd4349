"""Affiliates and their links: request bodies, the AffiliateResponse, and the ledger's methods."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    SerializerFunctionWrapHandler,
    StrictStr,
    model_serializer,
    model_validator,
)

from libs.contracts.common import Actor, ApiModel, CursorText, Resource, Timestamp
from libs.contracts.programs import CommissionType, CommissionValue, OrgScoped
from libs.shared.errors import ValidationFailed
from libs.shared.rpc import Rpc


class AffiliateStatus(StrEnum):
    Pending = "Pending"
    Approved = "Approved"
    Rejected = "Rejected"
    Paused = "Paused"
    Banned = "Banned"


class AffiliateSource(StrEnum):
    Direct = "Direct"
    Public = "Public"
    Invite = "Invite"
    Network = "Network"


class LinkFormat(StrEnum):
    Short = "Short"
    Query = "Query"
    Path = "Path"
    Hash = "Hash"


class BulkAction(StrEnum):
    approve = "approve"
    pause = "pause"
    delete = "delete"


FullName = Annotated[StrictStr, Field(max_length=200)]
Tag = Annotated[StrictStr, Field(min_length=1, max_length=50)]
Alias = Annotated[StrictStr, Field(min_length=3, max_length=64)]
MAX_BULK_IDS = 200


def _commission_pair(kind: CommissionType | None, value: object, *, sent: set[str]) -> None:
    both = {"custom_commission_type", "custom_commission_value"}
    if sent & both and (kind is None) != (value is None):
        raise ValidationFailed("customCommissionType and customCommissionValue go together",
                               field="customCommissionType" if kind is None
                               else "customCommissionValue")
    if kind == CommissionType.Percentage and value is not None and float(str(value)) > 100:
        raise ValidationFailed("a Percentage commission must be between 0 and 100",
                               field="customCommissionValue")


class AffiliateCreate(ApiModel):
    program_id: uuid.UUID = Field(alias="programId")
    email: EmailStr
    full_name: FullName | None = Field(default=None, alias="fullName")
    status: AffiliateStatus = AffiliateStatus.Approved
    custom_commission_type: CommissionType | None = Field(default=None,
                                                          alias="customCommissionType")
    custom_commission_value: CommissionValue | None = Field(default=None,
                                                            alias="customCommissionValue")
    custom_alias: Alias | None = Field(default=None, alias="customAlias",
                                       description="Slug of the default link (?via=...)")

    @model_validator(mode="after")
    def _pair(self) -> AffiliateCreate:
        _commission_pair(self.custom_commission_type, self.custom_commission_value,
                         sent=self.model_fields_set)
        return self


class AffiliatePatch(ApiModel):
    """Every key optional; only the keys sent change. Custom commission type and value are
    cleared together by sending both as null."""

    full_name: FullName | None = Field(default=None, alias="fullName")
    status: AffiliateStatus | None = None
    custom_commission_type: CommissionType | None = Field(default=None,
                                                          alias="customCommissionType")
    custom_commission_value: CommissionValue | None = Field(default=None,
                                                            alias="customCommissionValue")
    notes: Annotated[StrictStr, Field(max_length=5000)] | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] | None = None

    @model_validator(mode="after")
    def _checks(self) -> AffiliatePatch:
        for name, alias in (("status", "status"), ("tags", "tags")):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValidationFailed(f"{alias} cannot be null", field=alias)
        pair = {"custom_commission_type", "custom_commission_value"}
        sent = pair & self.model_fields_set
        if len(sent) == 1 and getattr(self, next(iter(sent))) is None:
            raise ValidationFailed("clear a custom commission by sending customCommissionType "
                                   "and customCommissionValue both as null",
                                   field=self.model_fields[next(iter(sent))].alias)
        if sent == pair:
            _commission_pair(self.custom_commission_type, self.custom_commission_value,
                             sent=sent)
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class RejectBody(ApiModel):
    reason: Annotated[StrictStr, Field(max_length=1000)] | None = None


class EmptyBody(ApiModel):
    pass


class BulkActionBody(ApiModel):
    affiliate_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_BULK_IDS)] = \
        Field(alias="affiliateIds")
    action: BulkAction


class AffiliateListQuery(BaseModel):
    take: int = Field(default=50, ge=1, le=200)
    cursor: CursorText | None = None
    program_id: uuid.UUID | None = Field(default=None, alias="programId")
    status: AffiliateStatus | None = None
    q: Annotated[str, Field(max_length=200)] | None = None

    model_config = ConfigDict(populate_by_name=True)


class ApplicationsQuery(BaseModel):
    take: int = Field(default=50, ge=1, le=200)
    cursor: CursorText | None = None
    program_id: uuid.UUID | None = Field(default=None, alias="programId")
    q: Annotated[str, Field(max_length=200)] | None = None

    model_config = ConfigDict(populate_by_name=True)


class LinkResponse(Resource):
    id: uuid.UUID
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    slug: str
    custom_alias: str | None = Field(alias="customAlias")
    is_default: bool = Field(alias="isDefault")
    format: LinkFormat
    created_at: Timestamp = Field(alias="createdAt")


class AffiliateResponse(Resource):
    id: uuid.UUID
    program_id: uuid.UUID = Field(alias="programId")
    email: str
    full_name: str | None = Field(alias="fullName")
    status: AffiliateStatus
    custom_commission_type: CommissionType | None = Field(alias="customCommissionType")
    custom_commission_value: float | None = Field(alias="customCommissionValue")
    tags: list[str]
    notes: str | None
    source: AffiliateSource
    applied_at: Timestamp | None = Field(alias="appliedAt")
    approved_at: Timestamp | None = Field(alias="approvedAt")
    created_at: Timestamp = Field(alias="createdAt")
    links: list[LinkResponse]
    application_data: dict[str, Any] | None = Field(
        default=None, alias="applicationData", description=(
            "The application form's answers (null when it came another way). Dashboard "
            "sign-in only: absent for API keys, and from webhook and audit bodies."))

    @model_serializer(mode="wrap")
    def _application_data_when_given(self, handler: SerializerFunctionWrapHandler
                                     ) -> dict[str, Any]:
        """``applicationData`` is written only when the ledger set it (for a dashboard
        operator): any other reader gets no key at all, as the reference has it."""
        data: dict[str, Any] = handler(self)
        if "application_data" not in self.model_fields_set:
            data.pop("applicationData", None)
            data.pop("application_data", None)
        return data


class AffiliateList(Resource):
    items: list[AffiliateResponse]
    next_cursor: str | None = Field(alias="nextCursor")
    has_more: bool = Field(alias="hasMore")


class BulkActionResult(Resource):
    affected: int
    total: int
    action: BulkAction


# ---- the ledger's request/reply methods ------------------------------------------------------
class ForDashboard(BaseModel):
    """Reads whose answer differs for a brand operator signed in to the dashboard (the
    gateway says so): they keep ``applicationData``, API keys never see it."""

    for_dashboard: bool = Field(default=False, alias="forDashboard")

    model_config = ConfigDict(populate_by_name=True)


class ListAffiliates(OrgScoped, ForDashboard):
    take: int = 50
    cursor: CursorText | None = None
    program_id: uuid.UUID | None = Field(default=None, alias="programId")
    status: AffiliateStatus | None = None
    q: str | None = None


class GetAffiliate(OrgScoped, ForDashboard):
    affiliate_id: uuid.UUID = Field(alias="affiliateId")


class CreateAffiliate(OrgScoped):
    actor: Actor
    data: AffiliateCreate


class UpdateAffiliate(OrgScoped):
    actor: Actor
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    data: AffiliatePatch


class ApproveAffiliate(OrgScoped):
    actor: Actor
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    data: EmptyBody | None = None


class RejectAffiliate(OrgScoped):
    actor: Actor
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    data: RejectBody = RejectBody()


class BulkAffiliateAction(OrgScoped):
    actor: Actor
    data: BulkActionBody


# ---- declared methods ------------------------------------------------------------------------
LIST_AFFILIATES = Rpc("ledger", "affiliates.list", ListAffiliates, AffiliateList)
LIST_APPLICATIONS = Rpc("ledger", "affiliates.applications", ListAffiliates, AffiliateList)
GET_AFFILIATE = Rpc("ledger", "affiliates.get", GetAffiliate, AffiliateResponse)
CREATE_AFFILIATE = Rpc("ledger", "affiliates.create", CreateAffiliate, AffiliateResponse)
UPDATE_AFFILIATE = Rpc("ledger", "affiliates.update", UpdateAffiliate, AffiliateResponse)
APPROVE_AFFILIATE = Rpc("ledger", "affiliates.approve", ApproveAffiliate, AffiliateResponse)
REJECT_AFFILIATE = Rpc("ledger", "affiliates.reject", RejectAffiliate, AffiliateResponse)
BULK_AFFILIATE_ACTION = Rpc("ledger", "affiliates.bulk_action", BulkAffiliateAction,
                            BulkActionResult)
