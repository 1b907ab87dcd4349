"""Conversions: the ConversionResponse, list/get queries, and the ledger's read methods."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from libs.contracts.attribution_methods import ATTRIBUTION_METHOD_DESCRIPTION, AttributionMethod
from libs.contracts.common import CursorText, QueryDatetime, Resource, Timestamp
from libs.contracts.programs import OrgScoped
from libs.shared.rpc import Rpc


class ConversionStatus(StrEnum):
    Pending = "Pending"
    Approved = "Approved"
    Paid = "Paid"
    Denied = "Denied"
    Refunded = "Refunded"


class ConversionType(StrEnum):
    OneTime = "OneTime"
    Recurring = "Recurring"
    Bonus = "Bonus"
    ClickReward = "ClickReward"
    LeadReward = "LeadReward"


class ConversionFilters(BaseModel):
    """The filters the list and the CSV export share, defined once so both read a window the
    same way: ``since`` inclusive, ``until`` exclusive, on createdAt."""

    affiliate_id: uuid.UUID | None = Field(default=None, alias="affiliateId")
    program_id: uuid.UUID | None = Field(default=None, alias="programId")
    status: ConversionStatus | None = None
    since: QueryDatetime | None = Field(default=None, description="ISO 8601; createdAt >= since")
    until: QueryDatetime | None = Field(default=None, description="ISO 8601; createdAt < until")

    model_config = ConfigDict(populate_by_name=True)


class ConversionListQuery(ConversionFilters):
    take: int = Field(default=50, ge=1, le=200)
    cursor: CursorText | None = None


class ConversionEventResponse(Resource):
    id: uuid.UUID
    event_type: str = Field(alias="eventType")
    amount_cents: int = Field(alias="amountCents")
    commission_cents: int = Field(alias="commissionCents")
    occurred_at: Timestamp = Field(alias="occurredAt")


class ConversionResponse(Resource):
    id: uuid.UUID
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    program_id: uuid.UUID = Field(alias="programId")
    amount_cents: int = Field(alias="amountCents")
    currency: str
    commission_cents: int = Field(alias="commissionCents")
    status: ConversionStatus
    type: ConversionType
    stripe_subscription_id: str | None = Field(alias="stripeSubscriptionId")
    stripe_customer_id: str | None = Field(alias="stripeCustomerId")
    external_event_id: str | None = Field(alias="externalEventId")
    created_at: Timestamp = Field(alias="createdAt")
    refunded_at: Timestamp | None = Field(alias="refundedAt")
    attribution_method: AttributionMethod | None = Field(
        alias="attributionMethod", description=ATTRIBUTION_METHOD_DESCRIPTION)
    coupon_code: str | None = Field(alias="couponCode")
    parent_affiliate_conversion_id: uuid.UUID | None = Field(
        default=None, alias="parentAffiliateConversionId")


class ConversionDetail(ConversionResponse):
    events: list[ConversionEventResponse]


class ConversionList(Resource):
    items: list[ConversionResponse]
    next_cursor: str | None = Field(alias="nextCursor")
    has_more: bool = Field(alias="hasMore")


# ---- the ledger's request/reply methods ------------------------------------------------------
class ListConversions(OrgScoped, ConversionListQuery):
    pass


class GetConversion(OrgScoped):
    conversion_id: uuid.UUID = Field(alias="conversionId")


# ---- declared methods ------------------------------------------------------------------------
LIST_CONVERSIONS = Rpc("ledger", "conversions.list", ListConversions, ConversionList)
GET_CONVERSION = Rpc("ledger", "conversions.get", GetConversion, ConversionDetail)
