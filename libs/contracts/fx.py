"""Home currency (the gateway's setting) and FX rates (the ledger's table): the settings API's
shapes, the internal ``org.home_currency_changed`` event, and the ledger's ``fx.*`` methods."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

from libs.contracts.common import ApiModel, Resource, Timestamp
from libs.shared.errors import ValidationFailed
from libs.shared.money import SUPPORTED_CURRENCIES, is_supported_currency
from libs.shared.rpc import Rpc

# Internal event (not in the webhook catalogue: the reference lists no org.* webhook events).
HOME_CURRENCY_CHANGED = "org.home_currency_changed"
# One normalization call carries at most this many amounts (one bus message, one reply).
MAX_NORMALIZE_ITEMS = 10_000
MAX_AMOUNT_CENTS = 10**15


def unsupported_currency(value: object, field: str) -> ValidationFailed:
    return ValidationFailed(
        f"currency {value!r} is not supported; use one of: {', '.join(SUPPORTED_CURRENCIES)}",
        field=field, code="unsupported_currency")


def _allowlisted(field: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, str) and not is_supported_currency(value):
            raise unsupported_currency(value, field)
        return value
    return field_validator("home_currency", mode="before")(check)


class HomeCurrencyBody(ApiModel):
    """PUT /api/v1/settings/home-currency."""

    home_currency: StrictStr = Field(alias="homeCurrency",
                                     description="One of `supportedCurrencies`.")
    _check = _allowlisted("homeCurrency")


class HomeCurrencySettings(Resource):
    home_currency: str = Field(alias="homeCurrency")
    changed_at: Timestamp | None = Field(alias="changedAt")
    supported_currencies: list[str] = Field(alias="supportedCurrencies")
    can_change: bool = Field(alias="canChange",
                             description="Whether the org's plan permits a change (Pro).")


class HomeCurrencyChange(Resource):
    home_currency: str = Field(alias="homeCurrency")
    changed: bool = Field(description="false when the value was already the home currency")
    changed_at: Timestamp | None = Field(alias="changedAt")


# ---- the ledger's FX methods ----
class LoadFxRates(BaseModel):
    """``fx.load`` (operator): rates from an ECB-style file (XML or CSV), fetched by the ledger
    from ``url`` or sent as ``content``; exactly one of the two."""

    url: Annotated[StrictStr, Field(pattern=r"^https?://", max_length=2000)] | None = None
    content: StrictStr | None = None

    @model_validator(mode="after")
    def _one_source(self) -> LoadFxRates:
        if (self.url is None) == (self.content is None):
            raise ValueError("send exactly one of url and content")
        return self


class AmountOnDay(BaseModel):
    amount_cents: Annotated[StrictInt, Field(ge=-MAX_AMOUNT_CENTS, le=MAX_AMOUNT_CENTS)] = Field(
        alias="amountCents")
    currency: StrictStr
    day: date

    model_config = ConfigDict(populate_by_name=True)


class NormalizeAmounts(BaseModel):
    """``fx.normalize``: amounts in their own currencies, each with the day it happened, to the
    home currency (for reporting; stored amounts never change)."""

    home_currency: StrictStr = Field(alias="homeCurrency")
    items: list[AmountOnDay] = Field(max_length=MAX_NORMALIZE_ITEMS)

    model_config = ConfigDict(populate_by_name=True)
    _check = _allowlisted("homeCurrency")

    @model_validator(mode="after")
    def _item_currencies(self) -> NormalizeAmounts:
        for index, item in enumerate(self.items):
            if not is_supported_currency(item.currency):
                raise unsupported_currency(item.currency, f"items.{index}.currency")
        return self


class FxLoaded(Resource):
    days: int
    rates: int
    inserted: int
    updated: int
    unchanged: int
    first_day: date = Field(alias="firstDay")
    last_day: date = Field(alias="lastDay")


class NormalizedAmount(Resource):
    amount_cents: int = Field(alias="amountCents")
    rate_day: date | None = Field(alias="rateDay")


class NormalizedAmounts(Resource):
    home_currency: str = Field(alias="homeCurrency")
    total_cents: int = Field(alias="totalCents")
    items: list[NormalizedAmount]


# ---- declared methods ------------------------------------------------------------------------
LOAD_FX_RATES = Rpc("ledger", "fx.load", LoadFxRates, FxLoaded)
NORMALIZE_AMOUNTS = Rpc("ledger", "fx.normalize", NormalizeAmounts, NormalizedAmounts)
