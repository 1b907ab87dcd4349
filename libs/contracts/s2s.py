"""Server-to-server sales and leads: the request bodies and the ledger's recording methods."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    EmailStr,
    Field,
    SerializerFunctionWrapHandler,
    StrictInt,
    StrictStr,
    field_validator,
    model_serializer,
    model_validator,
)

from libs.contracts.common import ApiModel, Resource
from libs.contracts.programs import OrgScoped
from libs.shared.errors import RekomiError, ValidationFailed
from libs.shared.money import SUPPORTED_CURRENCIES, is_supported_currency
from libs.shared.rpc import Rpc

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
    """A sale (default) or the refund of an earlier one. A sale names its affiliate by
    ``affiliateSlug``; without one, a known ``subscriptionId`` (a renewal) or a lead's
    ``customerEmail`` (email match) finds it."""

    event_type: Literal["sale", "refund"] = Field(
        default="sale", alias="eventType",
        description="`sale` (default) or `refund`: a refund names the sale in `refundOf`.")
    external_event_id: EventId = Field(alias="externalEventId",
                                       description="Unique per org: a repeat is deduped.")
    affiliate_slug: SlugRef | None = Field(default=None, alias="affiliateSlug")
    amount_cents: Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT_CENTS)] | None = Field(
        default=None, alias="amountCents")
    currency: Annotated[StrictStr, Field(min_length=3, max_length=3)] | None = None
    customer_id: Annotated[StrictStr, Field(max_length=255)] | None = Field(
        default=None, alias="customerId")
    customer_email: EmailStr | None = Field(
        default=None, alias="customerEmail",
        description="Matched against leads when no affiliateSlug is sent.")
    subscription_id: Annotated[StrictStr, Field(max_length=255)] | None = Field(
        default=None, alias="subscriptionId",
        description="Marks the sale Recurring; a later sale with the same id is a renewal.")
    refund_of: EventId | None = Field(
        default=None, alias="refundOf",
        description="For eventType `refund`: the externalEventId of the sale refunded.")
    referral: Annotated[StrictStr, Field(max_length=512)] | None = Field(
        default=None, description=(
            "Optional (a Rekomi extension): the visitor's referral as the loader exposes it "
            "(`Rekomi.referral().value`, the `rkm_ref` cookie `<slug>.<programId>.<unix>`). "
            "When it names a recorded click of the affiliate and program the sale credits, "
            "the sale's insights (sale-origin, geography, devices, utm, time-to-convert) "
            "carry that click's referrer, country, device and UTM values; otherwise, or when "
            "it cannot be read, the sale has no originating click. Never changes who is "
            "credited."))

    _check_currency = field_validator("currency", mode="before")(_currency)

    @model_validator(mode="after")
    def _complete(self) -> S2SSale:
        if self.event_type == "refund":
            if self.refund_of is None:
                raise ValidationFailed("a refund names the refunded sale", field="refundOf")
            return self
        if self.amount_cents is None:
            raise ValidationFailed("amountCents is required", field="amountCents")
        if self.currency is None:
            raise ValidationFailed("currency is required", field="currency")
        if not (self.affiliate_slug or self.subscription_id or self.customer_email):
            raise ValidationFailed(
                "name the affiliate (affiliateSlug), or send a subscriptionId or "
                "customerEmail it can be found by", field="affiliateSlug")
        return self


class S2SLead(ApiModel):
    affiliate_slug: SlugRef = Field(alias="affiliateSlug")
    email: EmailStr
    name: Annotated[StrictStr, Field(max_length=200)] | None = None
    external_event_id: EventId | None = Field(default=None, alias="externalEventId")
    program_id: uuid.UUID | None = Field(
        default=None, alias="programId",
        description="Optional (as the browser signup's `programId`): the program the lead is "
                    "for; a slug of another program is 400 `validation_failed`, field "
                    "`programId`, and records nothing.")


class SignupLead(ApiModel):
    """The browser loader's lead (``Rekomi.convert``): the slug from its referral cookie."""

    slug: SlugRef
    email: EmailStr
    name: Annotated[StrictStr, Field(max_length=200)] | None = None
    program_id: str | None = Field(default=None, alias="programId")


# ---- request/reply methods -----------------------------------------------------------------
GraceDays = Annotated[int, Field(ge=0, le=3650)]


class LinkBySlug(ApiModel):
    """Which approved affiliate a link slug credits (the ledger is the source of truth)."""

    slug: str


# ---- tracking's request/reply methods (it accepts and attributes; the ledger books) ----------
class AcceptSale(OrgScoped):
    payout_grace_days: GraceDays = Field(default=30, alias="payoutGraceDays")
    data: S2SSale


class AcceptLead(OrgScoped):
    home_currency: str = Field(default="USD", alias="homeCurrency")
    payout_grace_days: GraceDays = Field(default=30, alias="payoutGraceDays")
    data: S2SLead


class AcceptSignup(OrgScoped):
    """Public: the gateway found the org through ``leads.org_of_slug``."""

    home_currency: str = Field(default="USD", alias="homeCurrency")
    payout_grace_days: GraceDays = Field(default=30, alias="payoutGraceDays")
    data: SignupLead


class ResolvedLink(Resource):
    """The approved affiliate a slug credits; the reply is null when there is none."""

    org_id: uuid.UUID = Field(alias="orgId")
    program_id: uuid.UUID = Field(alias="programId")
    affiliate_id: uuid.UUID = Field(alias="affiliateId")


class SlugOwner(ApiModel):
    org_id: uuid.UUID | None = Field(alias="orgId")


class Accepted(ApiModel):
    """``{ok, conversionId}`` once durable; ``{ok, deduped: true, conversionId}`` for a
    repeated ``externalEventId``, with the id its first copy was accepted under (the
    reference's ``{ok, deduped: true}`` plus the id, so a retry after a timeout learns it); a
    browser signup without a recorded lead answers ``recorded: false``.
    Keys that do not apply are left out, as the reference shows them, not sent as null."""

    ok: bool
    conversion_id: uuid.UUID | None = Field(default=None, alias="conversionId")
    deduped: bool | None = None
    recorded: bool | None = None

    @model_serializer(mode="wrap")
    def _without_nulls(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {key: value for key, value in handler(self).items() if value is not None}


# ---- declared methods ------------------------------------------------------------------------
RESOLVE_LINK = Rpc("ledger", "links.resolve", LinkBySlug, ResolvedLink)
ACCEPT_SALE = Rpc("tracking", "s2s.accept", AcceptSale, Accepted)
ACCEPT_LEAD = Rpc("tracking", "leads.accept", AcceptLead, Accepted)
ACCEPT_SIGNUP = Rpc("tracking", "leads.accept_signup", AcceptSignup, Accepted)
ORG_OF_SLUG = Rpc("tracking", "leads.org_of_slug", LinkBySlug, SlugOwner)
