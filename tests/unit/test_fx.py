"""FX: reading ECB-style files and normalizing amounts to a home currency (pure functions).

The fixtures under tests/fixtures/fx follow the ECB's formats; their rates are illustrative."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.contracts.common import as_json
from libs.contracts.fx import HomeCurrencyBody, NormalizeAmounts
from libs.shared.errors import RekomiError, ValidationFailed
from libs.shared.money import SUPPORTED_CURRENCIES
from services.ledger.conversions.domain.commissions import minor_per_major
from services.ledger.domain.errors import FxFileInvalid, FxRateUnavailable
from services.ledger.fx.adapters.source import parse_rates
from services.ledger.fx.domain.model import (
    DayRate,
    Normalized,
    RateTable,
    normalize,
    prepare,
    round_half_up,
    to_response,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fx"
FRIDAY = date(2024, 5, 17)
ECB_PUBLISHED = sorted(set(SUPPORTED_CURRENCIES) - {"EUR", "AED", "SAR"})


def _by_key(rates: list[DayRate]) -> dict[tuple[date, str], Decimal]:
    return {(r.day, r.currency): r.per_eur for r in rates}


# ---- reading files ----
def test_daily_xml_keeps_allowlisted_currencies_exactly() -> None:
    rates = parse_rates((FIXTURES / "eurofxref-daily.xml").read_text())
    assert sorted(r.currency for r in rates) == ECB_PUBLISHED  # BGN and ISK are not allowlisted
    assert {r.day for r in rates} == {FRIDAY}
    by_key = _by_key(rates)
    assert by_key[(FRIDAY, "USD")] == Decimal("1.0866")
    assert str(by_key[(FRIDAY, "IDR")]) == "17347.12"
    assert {r.source for r in rates} == {"ecb"}


def test_historical_csv_skips_missing_values() -> None:
    rates = parse_rates((FIXTURES / "eurofxref-hist.csv").read_text())
    assert {r.day for r in rates} == {date(2024, 5, 15), date(2024, 5, 16), FRIDAY,
                                      date(2024, 5, 21)}
    assert len(rates) == 4 * len(ECB_PUBLISHED)  # N/A columns (CYP, RUB) are not rates
    assert _by_key(rates)[(date(2024, 5, 21), "KRW")] == Decimal("1481.39")


def test_csv_and_xml_of_the_same_day_agree() -> None:
    xml = _by_key(parse_rates((FIXTURES / "eurofxref-daily.xml").read_text()))
    csv = _by_key(parse_rates((FIXTURES / "eurofxref-hist.csv").read_text()))
    assert {k: v for k, v in csv.items() if k[0] == FRIDAY} == xml


def test_daily_csv_layout() -> None:
    text = "Date, USD, JPY, BGN, \n17 May 2024, 1.0866, 169.33, 1.9558, \n"
    assert _by_key(parse_rates(text)) == {(FRIDAY, "USD"): Decimal("1.0866"),
                                          (FRIDAY, "JPY"): Decimal("169.33")}


@pytest.mark.parametrize("text", [
    "",
    "hello",
    "<gesmes:Envelope",  # not well-formed
    "Date,USD\n2024-05-17,abc\n",
    "Date,USD\n2024-05-17,-1.2\n",
    "Date,USD\n2024-05-17,0\n",
    "Date,USD\n2024-05-17,NaN\n",
    "Date,USD\n2024-05-17,Infinity\n",
    "Date,USD\n17/05/2024,1.08\n",
    "Date,BGN,ISK\n2024-05-17,1.9558,149.9\n",  # nothing allowlisted
    "<Cube><Cube time='2024-05-17'><Cube currency='USD' rate=''/></Cube></Cube>",
    "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><Cube/>",
])
def test_malformed_files_are_refused_whole(text: str) -> None:
    with pytest.raises(FxFileInvalid) as info:
        parse_rates(text)
    assert info.value.code == "fx_file_invalid"


# ---- preparing rates for the table ----
def test_prepare_adds_pegged_gulf_currencies_from_usd() -> None:
    rates = prepare([DayRate(FRIDAY, "USD", Decimal("1.0866"), "ecb"),
                     DayRate(FRIDAY, "JPY", Decimal("169.33"), "ecb")])
    by_key = _by_key(rates)
    assert by_key[(FRIDAY, "AED")] == Decimal("1.0866") * Decimal("3.6725")
    assert by_key[(FRIDAY, "SAR")] == Decimal("1.0866") * Decimal("3.75")
    assert {r.currency: r.source for r in rates}["AED"] == "peg:USD"


def test_prepare_keeps_a_published_rate_over_the_peg() -> None:
    rates = prepare([DayRate(FRIDAY, "USD", Decimal("1.0866"), "ecb"),
                     DayRate(FRIDAY, "AED", Decimal("3.99"), "ecb")])
    assert _by_key(rates)[(FRIDAY, "AED")] == Decimal("3.99")


def test_prepare_refuses_contradicting_repeats_and_merges_equal_ones() -> None:
    same = [DayRate(FRIDAY, "JPY", Decimal("169.33"), "ecb"),
            DayRate(FRIDAY, "JPY", Decimal("169.330"), "ecb")]
    assert len(prepare(same)) == 1
    with pytest.raises(FxFileInvalid):
        prepare([*same, DayRate(FRIDAY, "JPY", Decimal("170"), "ecb")])


# ---- normalizing ----
def _table(*rows: tuple[str, date, str]) -> RateTable:
    return RateTable((c, d, Decimal(r)) for c, d, r in rows)


TABLE = _table(("USD", FRIDAY, "1.0866"), ("JPY", FRIDAY, "169.33"), ("GBP", FRIDAY, "0.8574"),
               ("USD", date(2024, 5, 21), "1.0858"), ("KRW", FRIDAY, "1472.07"))


def test_eur_to_x_uses_the_rate_directly() -> None:
    assert normalize(10_000, "EUR", FRIDAY, "USD", TABLE).amount_cents == 10_866
    assert normalize(10_000, "EUR", FRIDAY, "JPY", TABLE).amount_cents == 16_933  # 0 decimals
    assert normalize(10_866, "USD", FRIDAY, "EUR", TABLE).amount_cents == 10_000


def test_cross_rate_through_eur_with_zero_decimal_currencies() -> None:
    # 100.00 USD = 100 / 1.0866 EUR = 100 / 1.0866 * 169.33 JPY = 15583.471... -> 15583 yen
    assert normalize(10_000, "USD", FRIDAY, "JPY", TABLE).amount_cents == 15_583
    # 1000 yen = 1000 / 169.33 * 1472.07 KRW = 8693.4... -> 8693 won
    assert normalize(1_000, "JPY", FRIDAY, "KRW", TABLE).amount_cents == 8_693


def test_weekend_and_holiday_use_the_last_rate_before() -> None:
    for day in (date(2024, 5, 18), date(2024, 5, 19), date(2024, 5, 20)):
        result = normalize(10_000, "EUR", day, "USD", TABLE)
        assert (result.amount_cents, result.rate_day) == (10_866, FRIDAY)
    assert normalize(10_000, "EUR", date(2024, 5, 21), "USD", TABLE).amount_cents == 10_858


def test_rounding_is_half_away_from_zero_once() -> None:
    table = _table(("USD", FRIDAY, "2"))
    assert normalize(1, "EUR", FRIDAY, "USD", _table(("USD", FRIDAY, "1.5"))).amount_cents == 2
    assert normalize(1, "USD", FRIDAY, "EUR", table).amount_cents == 1  # 0.5 -> 1
    assert normalize(-1, "USD", FRIDAY, "EUR", table).amount_cents == -1  # -0.5 -> -1
    assert normalize(3, "USD", FRIDAY, "EUR", table).amount_cents == 2  # 1.5 -> 2
    assert [round_half_up(Fraction(n, 10)) for n in (4, 5, 14, 15, -4, -5, -15)] == [
        0, 1, 1, 2, 0, -1, -2]


def test_missing_rate_is_a_clear_error() -> None:
    with pytest.raises(FxRateUnavailable) as info:
        normalize(100, "USD", date(2024, 5, 16), "EUR", TABLE)
    assert info.value.code == "fx_rate_unavailable"
    assert info.value.extra == {"currency": "USD", "day": "2024-05-16"}
    with pytest.raises(FxRateUnavailable):
        normalize(100, "EUR", FRIDAY, "CHF", TABLE)  # never loaded


# ---- properties ----
CURRENCIES = st.sampled_from(["USD", "JPY", "GBP", "KRW", "EUR"])
RATES = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999"), places=4)
AMOUNTS = st.integers(min_value=-10**12, max_value=10**12)


def _random_table(usd: Decimal, jpy: Decimal, gbp: Decimal, krw: Decimal) -> RateTable:
    return _table(("USD", FRIDAY, str(usd)), ("JPY", FRIDAY, str(jpy)),
                  ("GBP", FRIDAY, str(gbp)), ("KRW", FRIDAY, str(krw)))


@given(AMOUNTS, CURRENCIES, st.integers(0, 3000))
def test_identity_when_the_currency_is_home(amount: int, currency: str, days: int) -> None:
    day = date(2000, 1, 1) + timedelta(days=days)
    assert normalize(amount, currency, day, currency, RateTable([])).amount_cents == amount


@given(AMOUNTS, st.sampled_from(["USD", "JPY", "GBP", "KRW"]), RATES)
def test_eur_to_x_is_the_rate_rounded_once(amount: int, home: str, rate: Decimal) -> None:
    table = _table((home, FRIDAY, str(rate)))
    expected = round_half_up(Fraction(amount) * Fraction(rate) * minor_per_major(home) / 100)
    assert normalize(amount, "EUR", FRIDAY, home, table).amount_cents == expected


@given(AMOUNTS, CURRENCIES, CURRENCIES, RATES, RATES, RATES, RATES)
def test_round_trip_is_within_one_minor_unit_of_the_coarser_side(
        amount: int, a: str, h: str, usd: Decimal, jpy: Decimal, gbp: Decimal,
        krw: Decimal) -> None:
    """A -> H -> A loses at most half a minor unit of H (worth ``unit`` minor units of A) plus
    half a minor unit of A; when H's minor unit is worth no more than A's, that is 1."""
    table = _random_table(usd, jpy, gbp, krw)
    there = normalize(amount, a, FRIDAY, h, table).amount_cents
    back = normalize(there, h, FRIDAY, a, table).amount_cents
    unit = Fraction(normalize(10**12, h, FRIDAY, a, table).amount_cents, 10**12)
    assert abs(back - amount) <= unit / 2 + Fraction(1, 2) + Fraction(1, 10**6)
    if unit <= 1:
        assert abs(back - amount) <= 1


@given(AMOUNTS, CURRENCIES, CURRENCIES, RATES, RATES, RATES, RATES)
def test_negation_is_symmetric(amount: int, a: str, h: str, usd: Decimal, jpy: Decimal,
                               gbp: Decimal, krw: Decimal) -> None:
    table = _random_table(usd, jpy, gbp, krw)
    assert (normalize(-amount, a, FRIDAY, h, table).amount_cents
            == -normalize(amount, a, FRIDAY, h, table).amount_cents)


# ---- contracts ----
@pytest.mark.parametrize("value", ["XYZ", "eur", "BGN", "", "US D"])
def test_home_currency_body_refuses_unlisted_codes(value: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        HomeCurrencyBody.model_validate({"homeCurrency": value})
    assert (info.value.code, info.value.field) == ("unsupported_currency", "homeCurrency")


def test_normalize_command_names_the_unsupported_item() -> None:
    with pytest.raises(RekomiError) as info:
        NormalizeAmounts.model_validate({"homeCurrency": "USD", "items": [
            {"amountCents": 1, "currency": "EUR", "day": "2024-05-17"},
            {"amountCents": 1, "currency": "BGN", "day": "2024-05-17"}]})
    assert (info.value.code, info.value.field) == ("unsupported_currency", "items.1.currency")


def test_normalized_reply_json_is_pinned() -> None:
    """fx.normalize's answer: days as ISO dates, null where no conversion was needed."""
    results = [Normalized(1250, None), Normalized(-980, FRIDAY)]
    assert as_json(to_response("EUR", results)) == {
        "homeCurrency": "EUR", "totalCents": 270,
        "items": [{"amountCents": 1250, "rateDay": None},
                  {"amountCents": -980, "rateDay": "2024-05-17"}]}
