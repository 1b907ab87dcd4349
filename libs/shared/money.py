"""Money is integer minor units plus an ISO 4217 code; never a float."""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED_CURRENCIES: tuple[str, ...] = (
    "AED", "AUD", "BRL", "CAD", "CHF", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "IDR",
    "ILS", "INR", "JPY", "KRW", "MXN", "MYR", "NOK", "NZD", "PHP", "PLN", "RON", "SAR", "SEK",
    "SGD", "THB", "TRY", "USD", "ZAR",
)


def is_supported_currency(code: str) -> bool:
    return code in SUPPORTED_CURRENCIES


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
