"""Server-to-server sales and leads: the request bodies and the ledger's recording methods."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import EmailStr, Field, StrictInt, StrictStr, field_validator

from libs.contracts.common import Actor, ApiModel
from libs.contracts.programs import OrgScoped
from libs.shared.errors import RekomiError
from libs.shared.money import SUPPORTED_CURRENCIES, is_supported_currency

EventId = Annotated[StrictStr, Field(min_length=1, max_length=255)]
SlugRef = Annotated[StrictStr, Field(min_length=1, max_length=64)]
MAX_AMOUNT_CENTS = 100_000_000_000  # 1 billion major units


class UnsupportedCurrency(RekomiError):
    code = "unsupported_currency"


def _currency(value: Any) -> Any:
    if isinstance(value, str) and not is_supported_currency(value):
        raise UnsupportedCurrency(
            f"currency {value!r} is not supported; use one of: {', '.join(SUPPORTED_CURRENCIES)}",
            field="currency")
    return value


class S2SSale(ApiModel):
    external_event_id: EventId = Field(alias="externalEventId",
                                       description="Unique per org: a repeat is deduped.")
    affiliate_slug: SlugRef = Field(alias="affiliateSlug")
    amount_cents: Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT_CENTS)] = Field(
        alias="amountCents")
    currency: Annotated[StrictStr, Field(min_length=3, max_length=3)]
    customer_id: Annotated[StrictStr, Field(max_length=255)] | None = Field(
        default=None, alias="customerId")
    subscription_id: Annotated[StrictStr, Field(max_length=255)] | None = Field(
        default=None, alias="subscriptionId",
        description="Marks the sale Recurring (initial event of a subscription).")

    _check_currency = field_validator("currency", mode="before")(_currency)


class S2SLead(ApiModel):
    affiliate_slug: SlugRef = Field(alias="affiliateSlug")
    email: EmailStr
    name: Annotated[StrictStr, Field(max_length=200)] | None = None
    external_event_id: EventId | None = Field(default=None, alias="externalEventId")


class SignupLead(ApiModel):
    """The browser loader's lead (``Rekomi.convert``): the slug from its referral cookie."""

    slug: SlugRef
    email: EmailStr
    name: Annotated[StrictStr, Field(max_length=200)] | None = None
    program_id: str | None = Field(default=None, alias="programId")


# ---- the ledger's request/reply methods ------------------------------------------------------
GraceDays = Annotated[int, Field(ge=0, le=3650)]


class RecordSale(OrgScoped):
    actor: Actor
    payout_grace_days: GraceDays = Field(default=30, alias="payoutGraceDays")
    data: S2SSale


class RecordLead(OrgScoped):
    actor: Actor
    home_currency: str = Field(default="USD", alias="homeCurrency")
    payout_grace_days: GraceDays = Field(default=30, alias="payoutGraceDays")
    data: S2SLead


class OrgOfSlug(ApiModel):
    slug: str


class RecordSignup(OrgScoped):
    """Public: the gateway found the org through ``leads.org_of_slug``."""

    actor: Actor | None = None
    home_currency: str = Field(default="USD", alias="homeCurrency")
    payout_grace_days: GraceDays = Field(default=30, alias="payoutGraceDays")
    data: SignupLead
