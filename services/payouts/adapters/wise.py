"""Wise: quote, transfer, then fund from the profile's Wise balance.

``customerTransactionId`` is Wise's idempotency key: a UUID derived from the payout's
idempotency key, so sending an attempt again gets back the transfer it already made (a new
quote each time is harmless: a quote moves no money). A transfer found already past
``incoming_payment_waiting`` was funded by an earlier send and is not funded again. The result's
external id is the Wise transfer id."""

from __future__ import annotations

import uuid
from typing import Any

from libs.shared.money import major_units
from services.payouts.adapters.provider_errors import RetryPolicy, error_for_status
from services.payouts.adapters.provider_http import Answer, ProviderHttp
from services.payouts.domain.transfers import (
    TransferFailed,
    TransferRequest,
    TransferResult,
    TransferUnknown,
)

# Fixed forever: changing it would give every attempt a new customerTransactionId.
TRANSACTION_NAMESPACE = uuid.UUID("5f0f5c8e-3b7a-5d1e-9a47-7e2c1f6b0d35")
UNFUNDED = "incoming_payment_waiting"
NOT_PAID = frozenset({"cancelled", "funds_refunded", "charged_back", "bounced_back"})


def customer_transaction_id(idempotency_key: str) -> uuid.UUID:
    return uuid.uuid5(TRANSACTION_NAMESPACE, idempotency_key)


class WiseTransfers:
    name = "Wise"

    def __init__(self, api_token: str, profile_id: str, api_base: str, policy: RetryPolicy,
                 timeout_seconds: float) -> None:
        self._http = ProviderHttp("wise", api_base, timeout_seconds, policy)
        self._auth = {"Authorization": f"Bearer {api_token}"}
        self._profile = profile_id

    async def transfer(self, request: TransferRequest) -> TransferResult:
        recipient = recipient_id(request.destination)
        quote = await self._ok("POST", f"/v3/profiles/{self._profile}/quotes", "quote", {
            "sourceCurrency": request.currency, "targetCurrency": request.currency,
            "targetAmount": float(major_units(request.amount_cents, request.currency))})
        transfer = await self._ok("POST", "/v1/transfers", "transfer", {
            "targetAccount": recipient, "quoteUuid": quote["id"],
            "customerTransactionId": str(customer_transaction_id(request.idempotency_key))})
        if transfer["status"] == UNFUNDED:
            await self._fund(transfer["id"])
        else:
            _check_status(transfer)
        return TransferResult(str(transfer["id"]))

    async def _fund(self, transfer_id: int) -> None:
        answer = await self._send("POST", f"/v3/profiles/{self._profile}/transfers/"
                                          f"{transfer_id}/payments", "fund", {"type": "BALANCE"})
        if answer.ok and answer.field("status") == "COMPLETED":
            return
        if answer.ok:
            raise TransferFailed(f"wise:{answer.field('errorCode') or answer.field('status')}")
        if answer.status == 422 and "transfer.invalid-state" in (wise_code(answer.body) or ""):
            # Funded already (an earlier send's answer was lost), or cancelled: ask which.
            _check_status(await self._ok("GET", f"/v1/transfers/{transfer_id}", "read", None))
            return
        raise error_for_status("wise", answer.status, wise_code(answer.body))

    async def _ok(self, method: str, path: str, what: str, body: Any) -> dict[str, Any]:
        answer = await self._send(method, path, what, body)
        if not answer.ok or not isinstance(answer.body, dict):
            raise error_for_status("wise", answer.status, wise_code(answer.body))
        return answer.body

    async def _send(self, method: str, path: str, what: str, body: Any) -> Answer:
        return await self._http.send(method, path, what, json=body, headers=self._auth)

    async def close(self) -> None:
        await self._http.close()


def recipient_id(destination: str) -> int:
    """Wise recipient account ids are integers; anything else can never be paid."""
    if not destination.isdigit():
        raise TransferFailed("wise:destination_not_a_recipient_id")
    return int(destination)


def _check_status(transfer: dict[str, Any]) -> None:
    status = str(transfer.get("status"))
    if status in NOT_PAID:
        raise TransferFailed(f"wise:{status}")
    if status == UNFUNDED:
        raise TransferUnknown(f"wise: transfer {transfer.get('id')} is not funded yet")


def wise_code(body: Any) -> str | None:
    """``errors[0].code`` (with its ``path``: Wise's codes alone are not unique), or the
    OAuth-style ``error``."""
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return ":".join(str(part) for part in (first.get("path"), first.get("code")) if part)
    return str(body.get("error") or body.get("code") or "") or None
