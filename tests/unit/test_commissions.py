"""Commission rules: default vs custom terms, models, the rounding rule, overrides."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.ledger.conversions.domain.commissions import (
    Terms,
    effective_terms,
    lead_commission,
    override_commission,
    sale_commission,
    to_minor_units,
)

PCT20 = Terms("Percentage", Decimal("20"), "Cps")


def test_percentage_of_a_sale() -> None:
    assert sale_commission(PCT20, 9900, "USD") == 1980


def test_fixed_value_is_major_units_of_the_sale_currency() -> None:
    assert sale_commission(Terms("Fixed", Decimal("12.50"), "Cps"), 9900, "EUR") == 1250
    assert sale_commission(Terms("Fixed", Decimal("500"), "Cps"), 9900, "JPY") == 500


def test_round_half_up_is_the_one_rule() -> None:
    assert to_minor_units(Decimal("0.5")) == 1
    assert to_minor_units(Decimal("2.5")) == 3
    assert to_minor_units(Decimal("2.4999")) == 2
    assert sale_commission(Terms("Percentage", Decimal("10"), "Cps"), 5, "USD") == 1  # 0.5


def test_custom_terms_win_but_keep_the_program_model() -> None:
    terms = effective_terms("Percentage", Decimal("20"), "Cpl", "Fixed", Decimal("3"))
    assert terms == Terms("Fixed", Decimal("3"), "Cpl")
    assert effective_terms("Percentage", Decimal("20"), "Cps", None, None) == PCT20


def test_legacy_models_behave_as_cps_and_cpl_cpc_pay_nothing_on_sales() -> None:
    for model in ("Cpa", "RevShare", "Hybrid"):
        assert sale_commission(Terms("Percentage", Decimal("20"), model), 1000, "USD") == 200
    for model in ("Cpl", "Cpc"):
        assert sale_commission(Terms("Percentage", Decimal("20"), model), 1000, "USD") == 0


def test_leads_earn_only_on_cpl() -> None:
    assert lead_commission(Terms("Fixed", Decimal("2"), "Cpl"), "USD") == 200
    assert lead_commission(Terms("Fixed", Decimal("2"), "Cps"), "USD") == 0
    assert lead_commission(Terms("Percentage", Decimal("20"), "Cpl"), "USD") == 0


def test_override_is_a_share_of_the_recruits_commission() -> None:
    assert override_commission(1980, Decimal("10")) == 198
    assert override_commission(5, Decimal("10")) == 1  # 0.5 rounds up
    assert override_commission(0, Decimal("50")) == 0


@given(st.integers(0, 10**10), st.decimals(0, 100, places=2))
def test_percentage_commission_is_between_zero_and_the_amount(amount: int,
                                                               pct: Decimal) -> None:
    cents = sale_commission(Terms("Percentage", pct, "Cps"), amount, "USD")
    assert 0 <= cents <= amount


@given(st.integers(0, 10**10), st.decimals(0, 10**8, places=2))
def test_fixed_commission_is_never_negative(amount: int, value: Decimal) -> None:
    assert sale_commission(Terms("Fixed", value, "Cps"), amount, "USD") >= 0


@given(st.integers(0, 10**10), st.decimals(0, 100, places=2))
def test_override_never_exceeds_the_parent_commission(parent: int, pct: Decimal) -> None:
    assert 0 <= override_commission(parent, pct) <= parent
