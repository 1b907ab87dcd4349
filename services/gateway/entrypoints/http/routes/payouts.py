"""Payouts: preview, run, retry and cancel, and the payout resources, owned by the payouts
service (which claims the commissions in the ledger before any money moves)."""

from __future__ import annotations

from libs.contracts import payouts as c
from services.gateway.domain.plans import Tier
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http.route_table import Route

PAYOUT_ID = {"id": "payoutId"}
# A run over 10,000 affiliates and 100,000 commissions answers in seconds (bench payouts_run);
# the claim alone may take the payouts service's REKOMI_PAYOUTS_CLAIM_TIMEOUT_SECONDS (60).
RUN_TIMEOUT = 120.0
TAG = "Payouts"
SELECTION = (
    " A candidate is one affiliate in one currency: its `Approved` commissions booked in "
    "`[periodStart, periodEnd]` (whole UTC days; Approved means the org's `payoutGraceDays` "
    "refund window has passed) that no payout holds yet, minus its open claw-backs "
    "(commissions refunded after they were paid, whatever their period). Each currency is paid "
    "in itself, never converted. `ineligibilityReason`: affiliate_not_approved (Pending, "
    "Paused, Banned, Rejected or deleted), nothing_due, negative_balance (claw-backs exceed "
    "what is due: nothing is paid, the debt carries over), tax_form_missing (its program "
    "requires one), no_stripe_connect, no_paypal_email, no_wise_recipient (the method's "
    "account is not on file). A method whose credentials this server lacks is 400 "
    "`payout_method_not_configured`; `Manual` needs none.")

PAYOUT_ROUTES: list[Route] = [
    Route("GET", "/api/v1/payouts", c.LIST_PAYOUTS, "List payouts", TAG, plan=Tier.Starter,
          role=Role.Viewer,
          query=c.PayoutListQuery,
          description="Cursor-paginated, oldest first, each with its `lineItems`. Filters: "
                      "affiliateId, status, method, since (createdAt >= since)."),
    Route("POST", "/api/v1/payouts/preview", c.PREVIEW_PAYOUTS, "Preview a payout run", TAG,
          role=Role.Owner,
          plan=Tier.Starter, body=c.PayoutPreviewBody,
          description="What a run with the same selection would pay now; writes nothing."
                      + SELECTION),
    Route("POST", "/api/v1/payouts/run", c.RUN_PAYOUTS, "Run payouts", TAG, plan=Tier.Starter,
          role=Role.Owner,
          body=c.PayoutRunBody, audited=True, idempotent=True, rpc_timeout=RUN_TIMEOUT,
          description=(
              "Pays every eligible candidate of the selection: one payout per affiliate and "
              "currency, answered as a flat array. `confirmTotalCents` must equal the "
              "preview's `totalCents` for the same selection at run time, else 409 "
              "`payout_total_mismatch` with `currentTotalCents` and nothing is written. The "
              "commissions are claimed for their payout in one transaction before any money "
              "moves, so two runs at once pay each commission once (the second finds a "
              "different total: 409). `Manual` payouts are `Paid` at once (the money is yours "
              "to send; `externalTransactionId` records your reference); provider payouts "
              "start `Processing` and become `Paid` or `Failed` when the provider answers. "
              "Fires `payout.created` per payout, then `payout.paid` or `payout.failed`; "
              "paid commissions turn `Paid` (`conversion.paid`). An empty selection answers "
              "`[]`. With an `Idempotency-Key` (per org, 60 minutes): the same key and body "
              "replays the first answer with `Idempotency-Replayed: true`; another body is "
              "409 `idempotency_key_reused`; while the first is still running, 409 "
              "`idempotency_request_in_progress` (never a second run)." + SELECTION)),
    Route("GET", "/api/v1/payouts/{id}", c.GET_PAYOUT, "Get a payout", TAG, plan=Tier.Starter,
          role=Role.Viewer,
          path_params=PAYOUT_ID, description="Another org's id is 404."),
    Route("POST", "/api/v1/payouts/{id}/retry", c.RETRY_PAYOUT, "Retry a failed payout", TAG,
          role=Role.Owner,
          plan=Tier.Starter, path_params=PAYOUT_ID, audited=True,
          description="Only a `Failed` payout (else 409 `payout_not_retryable`): it becomes "
                      "`Processing` with a new attempt, sent to the affiliate's account as it "
                      "is on file now. Fires the same events as a run."),
    Route("POST", "/api/v1/payouts/{id}/cancel", c.CANCEL_PAYOUT, "Cancel a failed payout", TAG,
          role=Role.Owner,
          plan=Tier.Starter, path_params=PAYOUT_ID, audited=True,
          description="Only a `Failed` payout (else 409 `payout_not_cancellable`): it becomes "
                      "`Cancelled` and its commissions are payable again by a later run. "
                      "Fires `payout.cancelled`; audit-logged."),
]
