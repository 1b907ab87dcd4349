"""A coupon code assigned to an affiliate, and who a redeemed code credits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from libs.contracts.coupon_codes import CouponCodeResponse


@dataclass(frozen=True, slots=True)
class CouponCode:
    id: uuid.UUID
    org_id: uuid.UUID
    affiliate_id: uuid.UUID
    code: str  # as the brand typed it; compared by ``code_key``
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CouponAffiliate:
    """The affiliate a code is assigned to. Its status is given, not judged: what a Paused or
    Banned affiliate's sale earns is the booking's rule, not the lookup's."""

    affiliate_id: uuid.UUID
    program_id: uuid.UUID
    status: str
    code: str


def to_response(coupon: CouponCode) -> CouponCodeResponse:
    return CouponCodeResponse(id=coupon.id, affiliate_id=coupon.affiliate_id, code=coupon.code,
                              created_at=coupon.created_at)
