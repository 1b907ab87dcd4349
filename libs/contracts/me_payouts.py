"""The affiliate side of getting paid: where each membership is paid (``GET`` / ``PUT
/api/v1/me/payout-details``, the ledger's) and the payouts received (the payouts service's).
Commands carry the caller's memberships as in ``me.py``."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from libs.contracts.affiliate_sessions import MeScoped
from libs.contracts.common import Actor, CursorText, Resource
from libs.contracts.payables import PayoutDetails
from libs.contracts.payouts import PayoutList
from libs.shared.rpc import Rpc


# ---- GET / PUT /api/v1/me/payout-details ----------------------------------------------------
class MyPayoutDetailsBody(PayoutDetails):
    """Only the keys sent change; null clears one. ``affiliateId`` names one membership;
    without it the change applies to every membership (one transaction, one audit row in
    each membership's org)."""

    affiliate_id: uuid.UUID | None = Field(default=None, alias="affiliateId")

    def changes(self) -> dict[str, str | None]:
        """The payout fields sent (``affiliateId`` is the scope, not a change)."""
        return self.model_dump(exclude_unset=True, exclude={"affiliate_id"})


class MyPayoutDetails(Resource):
    """Where one membership is paid, masked: enough to recognise, never the whole value."""

    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    org_id: uuid.UUID = Field(alias="orgId")
    program_id: uuid.UUID = Field(alias="programId")
    stripe_account_id: str | None = Field(alias="stripeAccountId",
                                          description="e.g. `acct_****Ab12`")
    paypal_email: str | None = Field(alias="paypalEmail", description="e.g. `p***@example.com`")
    wise_recipient_id: str | None = Field(alias="wiseRecipientId", description="e.g. `****5678`")


class MyPayoutDetailsList(Resource):
    items: list[MyPayoutDetails]


class GetMyPayoutDetails(MeScoped):
    pass


class PutMyPayoutDetails(MeScoped):
    actor: Actor
    data: MyPayoutDetailsBody


# ---- the payouts an affiliate received (payouts service) ------------------------------------
class MyPayoutsQuery(BaseModel):
    take: int = Field(default=50, ge=1, le=200)
    cursor: CursorText | None = None
    affiliate_id: uuid.UUID | None = Field(default=None, alias="affiliateId", description=(
        "One membership's payouts (404 when it is not yours); all of them without it."))

    model_config = ConfigDict(populate_by_name=True)


class ListMyPayouts(MeScoped):
    """Newest first, in every status, with line items."""

    take: int = Field(default=50, ge=1, le=200)
    cursor: CursorText | None = None
    affiliate_id: uuid.UUID | None = Field(default=None, alias="affiliateId")


# ---- declared methods ------------------------------------------------------------------------
MY_PAYOUT_DETAILS = Rpc("ledger", "me.payout_details", GetMyPayoutDetails, MyPayoutDetailsList)
PUT_MY_PAYOUT_DETAILS = Rpc("ledger", "me.put_payout_details", PutMyPayoutDetails,
                            MyPayoutDetailsList)
LIST_MY_PAYOUTS = Rpc("payouts", "me.payouts", ListMyPayouts, PayoutList)
