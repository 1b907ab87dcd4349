"""The billing state's rules: which tier's limits apply, what "this month" is, and the usage
snapshot laid against the limits (services/gateway/domain/plan_limits.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from libs.contracts.billing import OrgUsage, PaidOnDay, PlanLimits, Usage
from services.gateway.domain.plan_limits import TierLimits, limits_of
from services.gateway.domain.plans import SubscriptionStatus, Tier, effective_tier

# There are no dashboard users yet (issue 21): the owner is the one seat in use.
TEAM_SEATS_IN_USE = 1


def limits_in_force(plan: Tier, status: SubscriptionStatus) -> TierLimits:
    """The limits of the tier the plan gate applies: a lapsed subscription counts as Trial."""
    return limits_of(effective_tier(plan, status))


def month_start(now: datetime) -> datetime:
    """The first instant of ``now``'s calendar month in UTC."""
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def home_currency_cents(paid: Iterable[PaidOnDay], home: str) -> int:
    """What was paid in the home currency itself (the others need a rate to be added)."""
    return sum(p.amount_cents for p in paid if p.currency == home)


def plan_limits(limits: TierLimits, usage: OrgUsage, payouts_cents: int) -> PlanLimits:
    return PlanLimits(
        affiliates=Usage(current=usage.affiliates, max=limits.affiliates),
        campaigns=Usage(current=usage.campaigns, max=limits.campaigns),
        partner_payouts_this_month_cents=Usage(current=payouts_cents,
                                               max=limits.partner_payouts_per_month_cents),
        team_seats=Usage(current=TEAM_SEATS_IN_USE, max=limits.team_seats))
