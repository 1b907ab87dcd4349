"""FX normalization for reporting: stored amounts never change (DOMAIN.md invariant 4); a
dashboard asks what an amount is worth in the home currency, on the day it happened.

Rates are ECB-style: ``per_eur`` is how many units of a currency one euro buys on a day (EUR is 1
on every day). An amount in A becomes home currency H through EUR:
``minor_H = minor_A / 10^exp(A) / per_eur(A) * per_eur(H) * 10^exp(H)``.

The rate of a day is the most recent one published on or before it (no rates on weekends and
TARGET holidays). The arithmetic is exact (fractions of the decimal rates) and rounded ONCE, half
away from zero (``ROUND_HALF_UP`` as Decimal means it), to whole minor units of H: the rounding
rule of commissions, so a refund (negative) normalizes to exactly minus its sale.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from libs.contracts.fx import NormalizedAmount, NormalizedAmounts
from services.ledger.conversions.domain.commissions import minor_per_major
from services.ledger.domain.errors import FxFileInvalid, FxRateUnavailable

BASE = "EUR"
# Currencies on the allowlist that the ECB does not publish, pegged to the US dollar by their
# central banks (AED since 1997, SAR since 1986): units per USD.
USD_PEGS: Mapping[str, Decimal] = {"AED": Decimal("3.6725"), "SAR": Decimal("3.75")}


@dataclass(frozen=True, slots=True)
class DayRate:
    day: date
    currency: str
    per_eur: Decimal
    source: str  # "ecb" (what the file said) or "peg:USD" (derived here)


@dataclass(frozen=True, slots=True)
class Normalized:
    amount_cents: int
    rate_day: date | None  # the oldest rate day used; None when no conversion was needed


def prepare(rates: Iterable[DayRate]) -> list[DayRate]:
    """One rate per (day, currency), by day: a repeat must agree with itself (a file that says
    two things about one day is refused), and each day with a USD rate gains the pegged
    currencies the file did not carry."""
    unique: dict[tuple[date, str], DayRate] = {}
    for rate in rates:
        seen = unique.setdefault((rate.day, rate.currency), rate)
        if seen.per_eur != rate.per_eur:
            raise FxFileInvalid(f"two {rate.currency} rates on {rate.day.isoformat()}")
    for (day, currency), rate in list(unique.items()):
        if currency == "USD":
            for code, per_usd in USD_PEGS.items():
                unique.setdefault((day, code), DayRate(day, code, rate.per_eur * per_usd,
                                                       "peg:USD"))
    return sorted(unique.values(), key=lambda r: (r.day, r.currency))


class RateTable:
    """Rates by currency, each sorted by day; answers "the rate in force on a day"."""

    def __init__(self, rows: Iterable[tuple[str, date, Decimal]]) -> None:
        by_currency: dict[str, list[tuple[date, Decimal]]] = {}
        for currency, day, per_eur in rows:
            by_currency.setdefault(currency, []).append((day, per_eur))
        self._days = {c: [d for d, _ in sorted(v)] for c, v in by_currency.items()}
        self._rates = {c: [r for _, r in sorted(v)] for c, v in by_currency.items()}

    def rate_on(self, currency: str, day: date) -> tuple[date, Decimal]:
        """The day and rate of the most recent rate on or before ``day``."""
        if currency == BASE:
            return day, Decimal(1)
        days = self._days.get(currency, [])
        index = bisect.bisect_right(days, day) - 1
        if index < 0:
            raise FxRateUnavailable(f"no {currency} rate on or before {day.isoformat()}",
                                    extra={"currency": currency, "day": day.isoformat()})
        return days[index], self._rates[currency][index]


def round_half_up(value: Fraction) -> int:
    """Half away from zero, exactly: 0.5 -> 1, -0.5 -> -1, 2.4999... -> 2."""
    magnitude = int(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def normalize(amount_cents: int, currency: str, day: date, home: str,
              rates: RateTable) -> Normalized:
    if currency == home:
        return Normalized(amount_cents, None)
    factor, rate_day = conversion(currency, day, home, rates)
    return Normalized(round_half_up(amount_cents * factor), rate_day)


def conversion(currency: str, day: date, home: str, rates: RateTable) -> tuple[Fraction, date]:
    """What one minor unit of ``currency`` is worth in minor units of ``home`` on ``day``
    (exactly), and the oldest rate day that says so. ``currency`` is not ``home``."""
    from_day, from_rate = rates.rate_on(currency, day)
    to_day, to_rate = rates.rate_on(home, day)
    factor = (Fraction(to_rate) * minor_per_major(home)
              / (Fraction(from_rate) * minor_per_major(currency)))
    return factor, min(d for c, d in ((currency, from_day), (home, to_day)) if c != BASE)


def to_response(home: str, results: list[Normalized]) -> NormalizedAmounts:
    """``totalCents`` is the sum of the rounded items, so a total always reconciles with its
    lines."""
    return NormalizedAmounts(
        home_currency=home, total_cents=sum(r.amount_cents for r in results),
        items=[NormalizedAmount(amount_cents=r.amount_cents, rate_day=r.rate_day)
               for r in results])
