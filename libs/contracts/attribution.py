"""Attribution params: which query params the loader reads a referral slug from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from libs.contracts.common import Actor, ApiModel
from libs.contracts.programs import OrgScoped
from libs.shared.rpc import Rpc

# The 16 canonical defaults (Rewardful, Tapfiliate, FirstPromoter, ...), in priority order.
DEFAULT_PARAMS: tuple[str, ...] = (
    "via", "ref", "fpr", "aff", "rfsn", "a_aid", "awc", "sscid", "cjevent", "irclickid",
    "partner_key", "affid", "affiliate_id", "affcode", "idev", "mbsy")
MAX_CUSTOM_ENTRIES = 10
MAX_TOTAL_CHARS = 256
MIN_PARAM_LENGTH = 2
MAX_PARAM_LENGTH = 32


class AttributionDefaults(BaseModel):
    defaults: list[str]
    max_custom_entries: int = Field(alias="maxCustomEntries")
    max_total_chars: int = Field(alias="maxTotalChars")
    min_param_length: int = Field(alias="minParamLength")
    max_param_length: int = Field(alias="maxParamLength")

    model_config = ConfigDict(populate_by_name=True)


class AttributionParams(BaseModel):
    custom: str | None
    defaults: list[str]
    effective_order: list[str] = Field(alias="effectiveOrder")
    max_custom_entries: int = Field(alias="maxCustomEntries")
    max_total_chars: int = Field(alias="maxTotalChars")

    model_config = ConfigDict(populate_by_name=True)


class AttributionParamsBody(ApiModel):
    """``null`` or ``""`` clears the override. Length and entries are checked by the tracking
    service so each failure gets its own error code."""

    custom: StrictStr | None = None


def defaults() -> AttributionDefaults:
    return AttributionDefaults(
        defaults=list(DEFAULT_PARAMS), max_custom_entries=MAX_CUSTOM_ENTRIES,
        max_total_chars=MAX_TOTAL_CHARS, min_param_length=MIN_PARAM_LENGTH,
        max_param_length=MAX_PARAM_LENGTH)


# ---- the tracking service's request/reply methods ------------------------------------------
class GetAttributionParams(OrgScoped):
    pass


class UpdateAttributionParams(OrgScoped):
    actor: Actor
    data: AttributionParamsBody


# ---- declared methods ------------------------------------------------------------------------
GET_ATTRIBUTION_PARAMS = Rpc("tracking", "attribution.get", GetAttributionParams,
                             AttributionParams)
UPDATE_ATTRIBUTION_PARAMS = Rpc("tracking", "attribution.update", UpdateAttributionParams,
                                AttributionParams)
