"""Sub-affiliate recruiting, brand side: the per-program switch and percent, and the downline
rows. Commissions are 0 until conversions are tracked (the tracking issue fills them in)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from libs.contracts import subaffiliates as contract
from services.ledger.affiliates.domain.model import Affiliate


@dataclass(frozen=True, slots=True)
class SubAffiliateConfig:
    enabled: bool
    percent: Decimal


def config_response(config: SubAffiliateConfig) -> contract.SubAffiliateConfig:
    return contract.SubAffiliateConfig(enabled=config.enabled, percent=config.percent)


def downline_item(recruit: Affiliate, *, currency: str, total_commission_cents: int = 0,
                  override_earned_cents: int = 0) -> contract.SubAffiliate:
    return contract.SubAffiliate(
        id=recruit.id, email=recruit.email, full_name=recruit.full_name, status=recruit.status,
        total_commission_cents=total_commission_cents,
        override_earned_cents=override_earned_cents, currency=currency)
