"""The tier limits table and the billing state's rules (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise

import pytest

from libs.contracts.billing import OrgUsage, PaidOnDay
from libs.contracts.common import as_json
from services.gateway.domain.billing import (
    home_currency_cents,
    limits_in_force,
    month_start,
    plan_limits,
)
from services.gateway.domain.plan_limits import LIMITS, TierLimits, limits_of
from services.gateway.domain.plans import SubscriptionStatus, Tier

S = SubscriptionStatus
DEFAULT_GRACE_DAYS = 30  # every org starts with it (gateway migration 0001)


# README, "Org profile and billing state", lists these: a change to the table is a change to it.
DOCUMENTED = {
    Tier.Trial: TierLimits(10, 1, 0, 1, 30),
    Tier.Starter: TierLimits(100, 3, 500_000, 2, 30),
    Tier.Growth: TierLimits(None, None, 1_500_000, 5, 30),
    Tier.Pro: TierLimits(None, None, None, None, 90),
}


def test_the_table_as_documented() -> None:
    assert LIMITS == DOCUMENTED


def _at_least(higher: int | None, lower: int | None) -> bool:
    return higher is None or (lower is not None and higher >= lower)


@pytest.mark.parametrize("field", ["affiliates", "campaigns", "partner_payouts_per_month_cents",
                                   "team_seats", "payout_grace_days_max"])
def test_no_limit_shrinks_on_a_higher_tier(field: str) -> None:
    tiers = sorted(Tier, key=lambda t: t.rank)
    for lower, higher in pairwise(tiers):
        assert _at_least(getattr(limits_of(higher), field), getattr(limits_of(lower), field)), (
            field, lower, higher)


def test_no_tier_starts_an_org_over_its_grace_days() -> None:
    assert min(limits.payout_grace_days_max for limits in LIMITS.values()) >= DEFAULT_GRACE_DAYS


@pytest.mark.parametrize(("plan", "status", "tier"), [
    (Tier.Growth, S.Active, Tier.Growth), (Tier.Growth, S.Trialing, Tier.Growth),
    (Tier.Pro, S.PastDue, Tier.Pro), (Tier.Pro, S.Canceled, Tier.Trial),
    (Tier.Starter, S.None_, Tier.Trial),
])
def test_the_limits_in_force_are_the_gates_tier(plan: Tier, status: SubscriptionStatus,
                                                tier: Tier) -> None:
    assert limits_in_force(plan, status) is LIMITS[tier]


@pytest.mark.parametrize(("now", "start"), [
    (datetime(2026, 5, 17, 12, 34, 56, 789, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)),
    (datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC)),
    # 01:00 on 1 June in UTC+2 is still 31 May in UTC
    (datetime(2026, 6, 1, 1, 0, tzinfo=timezone(timedelta(hours=2))),
     datetime(2026, 5, 1, tzinfo=UTC)),
    (datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
])
def test_the_month_starts_at_utc_midnight_of_its_first_day(now: datetime,
                                                           start: datetime) -> None:
    assert month_start(now) == start
    assert month_start(now).tzinfo is UTC


def test_only_home_currency_payouts_add_up_without_a_rate() -> None:
    day = date(2026, 5, 2)
    paid = [PaidOnDay(currency="USD", day=day, amount_cents=1_000),
            PaidOnDay(currency="EUR", day=day, amount_cents=7_000),
            PaidOnDay(currency="USD", day=day + timedelta(days=1), amount_cents=250)]
    assert home_currency_cents(paid, "USD") == 1_250
    assert home_currency_cents(paid, "JPY") == 0


def test_the_reference_example_snapshot() -> None:
    snapshot = plan_limits(LIMITS[Tier.Growth], OrgUsage(affiliates=12, campaigns=2), 285_000)
    assert as_json(snapshot) == {
        "affiliates": {"current": 12, "max": None},
        "campaigns": {"current": 2, "max": None},
        "partnerPayoutsThisMonthCents": {"current": 285000, "max": 1500000},
        "teamSeats": {"current": 1, "max": 5}}
