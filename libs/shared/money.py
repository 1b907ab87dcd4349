"""Money is integer minor units plus an ISO 4217 code; never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

SUPPORTED_CURRENCIES: tuple[str, ...] = (
    "AED", "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "IDR",
    "ILS", "INR", "JPY", "KRW", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "RON", "SAR", "SEK",
    "SGD", "THB", "TRY", "USD", "ZAR",
)


# ISO 4217 exponent 0 among the supported currencies: their minor unit is the major unit.
ZERO_DECIMAL_CURRENCIES = frozenset({"JPY", "KRW"})


def is_supported_currency(code: str) -> bool:
    return code in SUPPORTED_CURRENCIES


def minor_unit_exponent(currency: str) -> int:
    return 0 if currency in ZERO_DECIMAL_CURRENCIES else 2


def major_units(cents: int, currency: str) -> Decimal:
    """``cents`` minor units as an exact major-unit amount: 1234 USD -> 12.34, 1234 JPY -> 1234
    (for providers whose wire format is a decimal amount, not minor units)."""
    return Decimal(cents).scaleb(-minor_unit_exponent(currency))


@dataclass(frozen=True, slots=True)
class Money:
    cents: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.cents, int) or isinstance(self.cents, bool):
            raise TypeError("money is integer minor units")
        if not is_supported_currency(self.currency):
            raise ValueError(f"unsupported currency {self.currency!r}")

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError("cannot add amounts in different currencies")
        return Money(self.cents + other.cents, self.currency)
