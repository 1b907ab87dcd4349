"""Sub-affiliate recruiting, brand side: the per-program config and an affiliate's downline."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import Field, RootModel, StrictBool, field_validator

from libs.contracts.common import NOT_TEXT, Actor, ApiModel, Resource, number_schema
from libs.contracts.programs import OrgScoped
from libs.shared.errors import ValidationFailed
from libs.shared.rpc import Rpc


class UnsupportedValue(ValidationFailed):
    code = "unsupported_value"


class SubAffiliateConfigBody(ApiModel):
    """PUT replaces the whole config: both keys are required."""

    enabled: StrictBool
    # 0..100 is checked below, so its error keeps the `unsupported_value` code.
    percent: Annotated[Decimal, Field(decimal_places=2), NOT_TEXT, number_schema(
        0, 100, description="Share of the recruit's commission, 0..100")]

    @field_validator("percent")
    @classmethod
    def _in_range(cls, value: Decimal) -> Decimal:
        if not Decimal(0) <= value <= Decimal(100):
            # Not a ValueError: pydantic lets it through, so the envelope keeps its own code.
            raise UnsupportedValue("percent must be between 0 and 100", field="percent")
        return value


class SubAffiliateConfig(Resource):
    enabled: bool
    percent: float


class SubAffiliate(Resource):
    id: uuid.UUID
    email: str
    full_name: str | None = Field(alias="fullName")
    status: str
    total_commission_cents: int = Field(alias="totalCommissionCents")
    override_earned_cents: int = Field(alias="overrideEarnedCents")
    currency: str


class SubAffiliateList(RootModel[list[SubAffiliate]]):
    """A flat JSON array (no pagination wrapper), as the reference shows."""


# ---- the ledger's request/reply methods ------------------------------------------------------
class GetSubAffiliateConfig(OrgScoped):
    program_id: uuid.UUID = Field(alias="programId")


class PutSubAffiliateConfig(OrgScoped):
    actor: Actor
    program_id: uuid.UUID = Field(alias="programId")
    data: SubAffiliateConfigBody


class ListSubAffiliates(OrgScoped):
    """``currency`` is the org's home currency, resolved by the gateway (which owns orgs)."""

    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    currency: str = "USD"


# ---- declared methods ------------------------------------------------------------------------
GET_SUB_AFFILIATE_CONFIG = Rpc("ledger", "programs.sub_affiliate_config",
                               GetSubAffiliateConfig, SubAffiliateConfig)
PUT_SUB_AFFILIATE_CONFIG = Rpc("ledger", "programs.put_sub_affiliate_config",
                               PutSubAffiliateConfig, SubAffiliateConfig)
LIST_SUB_AFFILIATES = Rpc("ledger", "affiliates.sub_affiliates", ListSubAffiliates,
                          SubAffiliateList)
