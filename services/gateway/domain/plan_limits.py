"""What each plan tier allows: the one table of tier limits. The billing state reports usage
against it and the org profile reports its grace-days ceiling, so both read it from here.

``None`` is unlimited. Money is in minor units of the org's home currency. The values are
Rekomi's choice (the reference shows only Growth); README, "Decisions where the reference is
silent", lists them."""

from __future__ import annotations

from dataclasses import dataclass

from services.gateway.domain.plans import Tier


@dataclass(frozen=True, slots=True)
class TierLimits:
    affiliates: int | None
    campaigns: int | None
    partner_payouts_per_month_cents: int | None
    team_seats: int | None
    # The longest refund window (payout grace days) an org may set: never below the default of
    # 30 that every org starts with, so no org starts over its limit.
    payout_grace_days_max: int


LIMITS: dict[Tier, TierLimits] = {
    # Payout runs need Starter, so a Trial org pays nothing through Rekomi.
    Tier.Trial: TierLimits(affiliates=10, campaigns=1, partner_payouts_per_month_cents=0,
                           team_seats=1, payout_grace_days_max=30),
    Tier.Starter: TierLimits(affiliates=100, campaigns=3,
                             partner_payouts_per_month_cents=500_000, team_seats=2,
                             payout_grace_days_max=30),
    # As the reference's example shows it.
    Tier.Growth: TierLimits(affiliates=None, campaigns=None,
                            partner_payouts_per_month_cents=1_500_000, team_seats=5,
                            payout_grace_days_max=30),
    Tier.Pro: TierLimits(affiliates=None, campaigns=None, partner_payouts_per_month_cents=None,
                         team_seats=None, payout_grace_days_max=90),
}


def limits_of(tier: Tier) -> TierLimits:
    return LIMITS[tier]
