"""The ledger's payables methods, internal: what the payouts service asks the ledger, which owns
the commissions a payout claims, and where an operator sets how an affiliate is paid."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from libs.contracts.common import Actor, ApiModel, Resource
from libs.contracts.payouts import PayoutMethod, PayoutPreview
from libs.contracts.programs import OrgScoped
from libs.shared.rpc import Rpc


class PayableSelection(OrgScoped):
    method: PayoutMethod
    affiliate_ids: list[uuid.UUID] | None = Field(alias="affiliateIds")
    period_start: date = Field(alias="periodStart")
    period_end: date = Field(alias="periodEnd")


class ClaimPayables(PayableSelection):
    """Claim what ``run_id``'s selection makes payable, if its total is ``confirm_total_cents``;
    the same ``run_id`` again answers the same claim."""

    run_id: uuid.UUID = Field(alias="runId")
    confirm_total_cents: int = Field(alias="confirmTotalCents")


class RunRef(OrgScoped):
    run_id: uuid.UUID = Field(alias="runId")


class ClaimedLine(Resource):
    conversion_id: uuid.UUID = Field(alias="conversionId")
    amount_cents: int = Field(alias="amountCents")


class ClaimedPayout(Resource):
    """One payout the ledger claimed commissions for: its id is the ledger's choice, so a
    repeated claim answers the same ids."""

    payout_id: uuid.UUID = Field(alias="payoutId")
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    currency: str
    amount_cents: int = Field(alias="amountCents")
    destination: str | None  # the affiliate's account for the method; never sent to clients
    lines: list[ClaimedLine]


class Claim(Resource):
    run_id: uuid.UUID = Field(alias="runId")
    payouts: list[ClaimedPayout]
    released: bool = False


class PayoutRef(OrgScoped):
    payout_id: uuid.UUID = Field(alias="payoutId")


class DestinationQuery(PayoutRef):
    method: PayoutMethod


class PayoutDestination(Resource):
    destination: str | None


class PayoutDetails(ApiModel):
    """Where an affiliate is paid, per method; set by an operator (``rekomi admin
    payout-details``) until the affiliate portal exists. Only the keys sent change; null
    clears one. Never returned to API-key callers."""

    stripe_account_id: Annotated[str, Field(pattern=r"^acct_[A-Za-z0-9]{1,64}$")] | None = Field(
        default=None, alias="stripeAccountId")
    paypal_email: Annotated[str, Field(pattern=r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$",
                                       max_length=320)] | None = Field(
        default=None, alias="paypalEmail")
    wise_recipient_id: Annotated[str, Field(pattern=r"^[0-9]{1,20}$")] | None = Field(
        default=None, alias="wiseRecipientId")


class SetPayoutDetails(BaseModel):
    """An operator's command (no org: the affiliate's own is used)."""

    actor: Actor
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    data: PayoutDetails

    model_config = ConfigDict(populate_by_name=True)


class PayoutDetailsSet(Resource):
    """Which methods the affiliate can now be paid by (the values stay private)."""

    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    stripe_connect: bool = Field(alias="stripeConnect")
    paypal: bool
    wise: bool



# ---- declared methods ------------------------------------------------------------------------
PREVIEW_PAYABLES = Rpc("ledger", "payables.preview", PayableSelection, PayoutPreview)
CLAIM_PAYABLES = Rpc("ledger", "payables.claim", ClaimPayables, Claim)
CLAIM_OF_RUN = Rpc("ledger", "payables.claim_of", RunRef, Claim)
RELEASE_RUN = Rpc("ledger", "payables.release_run", RunRef, Claim)
SET_PAYOUT_DETAILS = Rpc("ledger", "payables.set_payout_details", SetPayoutDetails,
                         PayoutDetailsSet)
PAYOUT_DESTINATION = Rpc("ledger", "payables.destination", DestinationQuery, PayoutDestination)
