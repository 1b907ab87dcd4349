"""Commission rules: pure functions from the terms in force and the sale to integer cents.

Rounding rule (the one rule, everywhere): the exact Decimal result is rounded to whole minor
units with ROUND_HALF_UP (0.5 cent goes up). A Percentage of a sale, a Fixed value in major
units, and a sub-affiliate override all go through ``to_minor_units``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Models that pay on a sale: Cps and the legacy values, which behave like Cps.
SALE_MODELS = frozenset({"Cps", "Cpa", "RevShare", "Hybrid"})
# Currencies whose minor unit is the major unit (ISO 4217 exponent 0), among the allowlist.
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW"})


@dataclass(frozen=True, slots=True)
class Terms:
    """What pays: the program's default, or the affiliate's custom type and value."""

    kind: str  # Percentage | Fixed
    value: Decimal
    model: str  # Cps | Cpc | Cpl | legacy Cpa | RevShare | Hybrid


def to_minor_units(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def minor_per_major(currency: str) -> int:
    return 1 if currency in ZERO_DECIMAL_CURRENCIES else 100


def effective_terms(program_kind: str, program_value: Decimal, model: str,
                    custom_kind: str | None, custom_value: Decimal | None) -> Terms:
    """The affiliate's custom commission wins over the program default; the model is always
    the program's."""
    if custom_kind is not None and custom_value is not None:
        return Terms(custom_kind, custom_value, model)
    return Terms(program_kind, program_value, model)


def _value_cents(terms: Terms, amount_cents: int, currency: str) -> int:
    if terms.kind == "Percentage":
        return to_minor_units(Decimal(amount_cents) * terms.value / 100)
    return to_minor_units(terms.value * minor_per_major(currency))


def sale_commission(terms: Terms, amount_cents: int, currency: str) -> int:
    """Commission on a sale: a CPS (or legacy) program pays; CPL and CPC programs pay nothing
    on sales (they pay on leads and clicks)."""
    if terms.model not in SALE_MODELS or amount_cents <= 0:
        return 0
    return max(0, _value_cents(terms, amount_cents, currency))


def lead_commission(terms: Terms, currency: str) -> int:
    """A lead earns only on a CPL program: a Fixed value, or a Percentage of nothing (0)."""
    if terms.model != "Cpl":
        return 0
    return max(0, _value_cents(terms, 0, currency))


def override_commission(parent_commission_cents: int, percent: Decimal) -> int:
    """The recruiter's one-tier override: the recruit's commission x percent / 100."""
    if parent_commission_cents <= 0 or percent <= 0:
        return 0
    return to_minor_units(Decimal(parent_commission_cents) * min(percent, Decimal(100)) / 100)


def click_commission(terms: Terms, clicks: int, currency: str) -> int:
    """A bucket of clicks earns only on a CPC program: the Fixed value (major units of the
    currency) per click, rounded once on the total. A Percentage has no base on a click: 0."""
    if terms.model != "Cpc" or terms.kind != "Fixed" or clicks <= 0:
        return 0
    return max(0, to_minor_units(terms.value * minor_per_major(currency) * clicks))
