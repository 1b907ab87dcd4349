"""Sub-affiliate recruiting, brand side: the per-program switch and percent, and the downline
rows. Commissions are 0 until conversions are tracked (the tracking issue fills them in)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.ledger.affiliates.domain.model import Affiliate


@dataclass(frozen=True, slots=True)
class SubAffiliateConfig:
    enabled: bool
    percent: Decimal


def config_response(config: SubAffiliateConfig) -> dict[str, Any]:
    return {"enabled": config.enabled, "percent": float(config.percent)}


def downline_item(recruit: Affiliate, *, currency: str, total_commission_cents: int = 0,
                  override_earned_cents: int = 0) -> dict[str, Any]:
    return {"id": str(recruit.id), "email": recruit.email, "fullName": recruit.full_name,
            "status": recruit.status, "totalCommissionCents": total_commission_cents,
            "overrideEarnedCents": override_earned_cents, "currency": currency}
