"""CPC commission: a Fixed value per click on CPC programs only, rounded once on the bucket."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.ledger.click_rewards.domain.model import click_reward
from services.ledger.conversions.domain.booking import Target
from services.ledger.conversions.domain.commissions import Terms, click_commission

CPC = Terms("Fixed", Decimal("0.25"), "Cpc")
NOW = datetime(2026, 5, 10, 16, tzinfo=UTC)


def test_fixed_value_per_click_in_major_units() -> None:
    assert click_commission(CPC, 12, "USD") == 300
    assert click_commission(Terms("Fixed", Decimal("2"), "Cpc"), 3, "JPY") == 6


def test_rounded_once_on_the_bucket_not_per_click() -> None:
    # 0.50 yen a click: 3 clicks are 1.5 -> 2 yen (per click rounding would pay 3).
    assert click_commission(Terms("Fixed", Decimal("0.50"), "Cpc"), 3, "JPY") == 2


def test_only_cpc_programs_pay_on_clicks() -> None:
    for model in ("Cps", "Cpl", "Cpa", "RevShare", "Hybrid"):
        assert click_commission(Terms("Fixed", Decimal("1"), model), 10, "USD") == 0


def test_a_percentage_has_no_base_on_a_click() -> None:
    assert click_commission(Terms("Percentage", Decimal("20"), "Cpc"), 10, "USD") == 0


@given(st.integers(0, 10**6), st.decimals(min_value=0, max_value=10000, places=2))
def test_click_commission_is_value_times_clicks(clicks: int, value: Decimal) -> None:
    cents_per_click = int(value * 100)
    assert click_commission(Terms("Fixed", value, "Cpc"), clicks, "EUR") == cents_per_click * clicks


def target(terms: Terms) -> Target:
    return Target(org_id=uuid.uuid4(), affiliate_id=uuid.uuid4(), program_id=uuid.uuid4(),
                  terms=terms, recruiter_id=uuid.uuid4(), override_percent=Decimal(10))


def test_click_reward_row() -> None:
    bucket = uuid.uuid4()
    to = target(CPC)
    row = click_reward(to, clicks=8, bucket_id=bucket, currency="EUR",
                       conversion_id=uuid.uuid4(), now=NOW, grace_days=14)
    assert row is not None
    assert (row.type, row.status, row.amount_cents, row.commission_cents, row.currency) == (
        "ClickReward", "Pending", 0, 200, "EUR")
    assert (row.attribution_method, row.external_event_id) == ("cpc_aggregation", f"cpc:{bucket}")
    assert (row.affiliate_id, row.program_id, row.org_id) == (
        to.affiliate_id, to.program_id, to.org_id)
    assert row.parent_affiliate_conversion_id is None
    assert row.approve_after == NOW + timedelta(days=14)


def test_nothing_payable_books_nothing() -> None:
    for terms in (Terms("Percentage", Decimal("20"), "Cpc"), Terms("Fixed", Decimal("1"), "Cps"),
                  Terms("Fixed", Decimal("0"), "Cpc")):
        assert click_reward(target(terms), clicks=5, bucket_id=uuid.uuid4(), currency="USD",
                            conversion_id=uuid.uuid4(), now=NOW, grace_days=30) is None


def test_a_banned_affiliate_s_bucket_is_booked_denied() -> None:
    """A bucket can close after the ban that stopped its link: earned, kept, never paid."""
    banned = Target(org_id=uuid.uuid4(), affiliate_id=uuid.uuid4(), program_id=uuid.uuid4(),
                    terms=CPC, recruiter_id=None, override_percent=Decimal(0), banned=True)
    row = click_reward(banned, clicks=8, bucket_id=uuid.uuid4(), currency="EUR",
                       conversion_id=uuid.uuid4(), now=NOW, grace_days=14)
    assert row is not None and (row.status, row.commission_cents) == ("Denied", 200)
