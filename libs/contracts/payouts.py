"""Payouts: the PayoutResponse, preview and run bodies and the payouts service's methods. The
ledger's payables methods it calls are in ``payables.py`` (commissions are the ledger's; a
payout claims them there before any money moves)."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from libs.contracts.common import (
    WHOLE_NUMBER,
    Actor,
    ApiModel,
    CursorText,
    QueryDatetime,
    Resource,
    Timestamp,
)
from libs.contracts.programs import OrgScoped
from libs.shared.errors import ValidationFailed
from libs.shared.rpc import Rpc

# A run or preview names at most this many affiliates (null: every affiliate of the org).
MAX_AFFILIATE_IDS = 10_000
# The widest period one run may cover.
MAX_PERIOD_DAYS = 3_660
Cents = Annotated[int, Field(ge=0, le=10**15), WHOLE_NUMBER]
Notes = Annotated[str, Field(max_length=1000)]


class PayoutMethod(StrEnum):
    Manual = "Manual"
    StripeConnect = "StripeConnect"
    PayPal = "PayPal"
    Wise = "Wise"


class PayoutStatus(StrEnum):
    Pending = "Pending"
    Processing = "Processing"
    Paid = "Paid"
    Failed = "Failed"
    Cancelled = "Cancelled"


class IneligibilityReason(StrEnum):
    affiliate_not_approved = "affiliate_not_approved"
    nothing_due = "nothing_due"
    negative_balance = "negative_balance"
    tax_form_missing = "tax_form_missing"
    no_stripe_connect = "no_stripe_connect"
    no_paypal_email = "no_paypal_email"
    no_wise_recipient = "no_wise_recipient"


# ---- public request shapes -------------------------------------------------------------------
class PayoutSelection(ApiModel):
    """Which commissions a preview or run covers: those of ``affiliateIds`` (null: every
    affiliate) booked in ``[periodStart, periodEnd]`` (whole UTC days, both included)."""

    method: PayoutMethod
    affiliate_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_AFFILIATE_IDS)
                             ] | None = Field(default=None, alias="affiliateIds")
    period_start: date = Field(alias="periodStart")
    period_end: date = Field(alias="periodEnd")

    @model_validator(mode="after")
    def _ordered_period(self) -> PayoutSelection:
        if self.period_end < self.period_start:
            raise ValidationFailed("periodEnd must not be before periodStart", field="periodEnd")
        if (self.period_end - self.period_start).days > MAX_PERIOD_DAYS:
            raise ValidationFailed(f"a period covers at most {MAX_PERIOD_DAYS} days",
                                   field="periodEnd")
        return self


class PayoutPreviewBody(PayoutSelection):
    pass


class PayoutRunBody(PayoutSelection):
    confirm_total_cents: Cents = Field(alias="confirmTotalCents")
    notes: Notes | None = None
    external_transaction_id: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(
        default=None, alias="externalTransactionId",
        description="Manual runs only: your reference for the money you sent (bank transfer "
                    "id); recorded on every payout of the run.")


class PayoutListQuery(BaseModel):
    take: int = Field(default=50, ge=1, le=200)
    cursor: CursorText | None = None
    affiliate_id: uuid.UUID | None = Field(default=None, alias="affiliateId")
    status: PayoutStatus | None = None
    method: PayoutMethod | None = None
    since: QueryDatetime | None = Field(default=None, description="ISO 8601; createdAt >= since")

    model_config = ConfigDict(populate_by_name=True)


# ---- public reply shapes ---------------------------------------------------------------------
class PayoutLineItem(Resource):
    id: uuid.UUID
    conversion_id: uuid.UUID = Field(alias="conversionId")
    amount_cents: int = Field(alias="amountCents", description=(
        "The commission paid; negative for a claw-back (a commission refunded after it was "
        "paid, netted against this payout)."))


class PayoutResponse(Resource):
    id: uuid.UUID
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    amount_cents: int = Field(alias="amountCents")
    currency: str
    method: PayoutMethod
    status: PayoutStatus
    stripe_transfer_id: str | None = Field(alias="stripeTransferId")
    external_transaction_id: str | None = Field(alias="externalTransactionId")
    notes: str | None
    failure_reason: str | None = Field(alias="failureReason")
    period_start: date = Field(alias="periodStart")
    period_end: date = Field(alias="periodEnd")
    created_at: Timestamp = Field(alias="createdAt")
    paid_at: Timestamp | None = Field(alias="paidAt")
    failed_at: Timestamp | None = Field(alias="failedAt")
    line_items: list[PayoutLineItem] = Field(alias="lineItems")


class PayoutList(Resource):
    items: list[PayoutResponse]
    next_cursor: str | None = Field(alias="nextCursor")
    has_more: bool = Field(alias="hasMore")


class PayoutRunResult(RootModel[list[PayoutResponse]]):
    """One payout per recipient and currency."""


class PayoutCandidate(Resource):
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    currency: str = Field(description="The currency this candidate is due in (one candidate "
                                      "per affiliate and currency).")
    amount_cents: int = Field(alias="amountCents", description=(
        "Commissions due minus open claw-backs, in `currency`; may be negative "
        "(`negative_balance`)."))
    line_item_count: int = Field(alias="lineItemCount")
    is_eligible: bool = Field(alias="isEligible")
    ineligibility_reason: IneligibilityReason | None = Field(alias="ineligibilityReason")


class PayoutCurrencyTotal(Resource):
    currency: str
    total_cents: int = Field(alias="totalCents")
    eligible_count: int = Field(alias="eligibleCount")


class PayoutPreview(Resource):
    total_cents: int = Field(alias="totalCents", description=(
        "The sum of the eligible candidates' `amountCents`: what `confirmTotalCents` of a run "
        "with the same selection must repeat. When several currencies are due it adds minor "
        "units of different currencies, so it is a checksum of the selection rather than an "
        "amount of money: read `totals` for the money per currency."))
    currency: str = Field(description=(
        "The one currency due; when several are due, the org's home currency (see `totals`)."))
    eligible_count: int = Field(alias="eligibleCount")
    ineligible_count: int = Field(alias="ineligibleCount")
    candidates: list[PayoutCandidate]
    totals: list[PayoutCurrencyTotal] = Field(description=(
        "Eligible money per currency, by currency code: each currency is paid in itself, "
        "never converted."))


# ---- the payouts service's methods -----------------------------------------------------------
class ListPayouts(OrgScoped):
    take: int = 50
    cursor: CursorText | None = None
    affiliate_id: uuid.UUID | None = Field(default=None, alias="affiliateId")
    status: PayoutStatus | None = None
    method: PayoutMethod | None = None
    since: QueryDatetime | None = None


class GetPayout(OrgScoped):
    payout_id: uuid.UUID = Field(alias="payoutId")


class PreviewPayouts(OrgScoped):
    data: PayoutPreviewBody


class RunPayouts(OrgScoped):
    actor: Actor
    data: PayoutRunBody


class RetryPayout(OrgScoped):
    actor: Actor
    payout_id: uuid.UUID = Field(alias="payoutId")


class CancelPayout(OrgScoped):
    actor: Actor
    payout_id: uuid.UUID = Field(alias="payoutId")


# ---- declared methods ------------------------------------------------------------------------
LIST_PAYOUTS = Rpc("payouts", "payouts.list", ListPayouts, PayoutList)
GET_PAYOUT = Rpc("payouts", "payouts.get", GetPayout, PayoutResponse)
PREVIEW_PAYOUTS = Rpc("payouts", "payouts.preview", PreviewPayouts, PayoutPreview)
RUN_PAYOUTS = Rpc("payouts", "payouts.run", RunPayouts, PayoutRunResult)
RETRY_PAYOUT = Rpc("payouts", "payouts.retry", RetryPayout, PayoutResponse)
CANCEL_PAYOUT = Rpc("payouts", "payouts.cancel", CancelPayout, PayoutResponse)

# Events the payouts service publishes (data: the PayoutResponse) that the ledger follows.
PAYOUT_PAID = "payout.paid"
PAYOUT_CANCELLED = "payout.cancelled"
