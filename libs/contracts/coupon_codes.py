"""Coupon codes assigned to affiliates (ours: the reference's coupon attribution needs them):
the request body, the code resource, and the ledger's methods, including the internal one
that resolves a redeemed code to its affiliate for the provider ingestion."""

from __future__ import annotations

import re
import uuid

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from libs.contracts.affiliates import AffiliateStatus
from libs.contracts.common import Actor, ApiModel, CursorText, Resource, Timestamp
from libs.contracts.programs import OrgScoped
from libs.shared.errors import ValidationFailed
from libs.shared.rpc import Rpc

MAX_CODE_LENGTH = 64
# Letters, digits, '_' and '-': what Stripe promotion codes and coupon ids and Paddle discount
# codes are made of, and safe in a URL path (DELETE .../coupon-codes/{code}) unescaped.
CODE_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
_CODE = re.compile(CODE_PATTERN)
CODE_RULE = (f"1-{MAX_CODE_LENGTH} characters of A-Z, a-z, 0-9, '_' and '-'; unique per org "
             "whatever the case (SARAH20 and sarah20 are one code)")


def code_problem(code: str) -> str | None:
    """Why ``code`` cannot be a coupon code, or None."""
    if not code:
        return "a coupon code cannot be empty"
    if len(code) > MAX_CODE_LENGTH:
        return f"a coupon code is at most {MAX_CODE_LENGTH} characters"
    if not _CODE.fullmatch(code):  # fullmatch: "$" alone accepts a trailing newline
        return "a coupon code is made of A-Z, a-z, 0-9, '_' and '-' only"
    return None


def code_key(code: str) -> str:
    """The form codes are compared in: case does not make another code."""
    return code.lower()


class CouponCodeBody(ApiModel):
    code: StrictStr = Field(json_schema_extra={"pattern": CODE_PATTERN, "minLength": 1,
                                               "maxLength": MAX_CODE_LENGTH},
                            description=CODE_RULE)

    @field_validator("code")
    @classmethod
    def _shape(cls, code: str) -> str:
        problem = code_problem(code)
        if problem is not None:
            raise ValidationFailed(problem, field="code")
        return code


class CouponCodeListQuery(BaseModel):
    take: int = Field(default=50, ge=1, le=200)
    cursor: CursorText | None = None

    model_config = ConfigDict(populate_by_name=True)


class CouponCodeResponse(Resource):
    id: uuid.UUID
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    code: str = Field(description="As assigned (case kept); matched case-insensitively")
    created_at: Timestamp = Field(alias="createdAt")


class CouponCodeList(Resource):
    items: list[CouponCodeResponse]
    next_cursor: str | None = Field(alias="nextCursor")
    has_more: bool = Field(alias="hasMore")


class CouponOwner(Resource):
    """The affiliate a redeemed code is assigned to (the reply is null when none is), with
    what the ingestion needs to decide what the sale earns."""

    org_id: uuid.UUID = Field(alias="orgId")
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    program_id: uuid.UUID = Field(alias="programId")
    status: AffiliateStatus
    code: str = Field(description="The code as assigned (its case may differ from the one "
                                  "redeemed)")


# ---- the ledger's request/reply methods ------------------------------------------------------
class AssignCouponCode(OrgScoped):
    actor: Actor
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    data: CouponCodeBody


class ListCouponCodes(OrgScoped):
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    take: int = 50
    cursor: CursorText | None = None


class RemoveCouponCode(OrgScoped):
    actor: Actor
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    # The path segment as sent: a code of another shape is simply not found.
    code: str = Field(max_length=2048)


class CouponOfOrg(OrgScoped):
    code: str = Field(max_length=2048)


# ---- declared methods ------------------------------------------------------------------------
ASSIGN_COUPON_CODE = Rpc("ledger", "coupon_codes.assign", AssignCouponCode, CouponCodeResponse)
LIST_COUPON_CODES = Rpc("ledger", "coupon_codes.list", ListCouponCodes, CouponCodeList)
REMOVE_COUPON_CODE: Rpc[RemoveCouponCode, Resource] = Rpc(
    "ledger", "coupon_codes.remove", RemoveCouponCode, None)
# Internal (no route): the provider ingestion's coupon attribution asks it.
RESOLVE_COUPON = Rpc("ledger", "coupon_codes.resolve", CouponOfOrg, CouponOwner)
