"""PayPal Payouts: one batch of one item per payout attempt, to the affiliate's PayPal e-mail.

``sender_batch_id`` is the idempotency key: PayPal pays a ``sender_batch_id`` once in 30 days
and answers a repeat with 400 ``USER_BUSINESS_ERROR`` whose detail (field ``SENDER_BATCH_ID``)
links to the original batch, which is then read like a new one. A batch settles
asynchronously, so its item is read until it is final; the result's external id is the
``payout_batch_id`` (what that link and the batch endpoint are keyed by)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import aiohttp

from libs.shared.money import major_units
from services.payouts.adapters.provider_errors import RetryPolicy, error_for_status
from services.payouts.adapters.provider_http import Answer, ProviderHttp
from services.payouts.domain.transfers import (
    TransferFailed,
    TransferRequest,
    TransferResult,
    TransferUnknown,
)

PAID = frozenset({"SUCCESS", "UNCLAIMED"})  # UNCLAIMED: sent; the recipient has 30 days to claim
NOT_PAID = frozenset({"FAILED", "RETURNED", "BLOCKED", "DENIED", "REFUNDED", "REVERSED",
                      "CANCELED"})
# PayPal takes no decimals for these although ISO 4217 gives them two.
WHOLE_UNIT_CURRENCIES = frozenset({"HUF", "TWD"})


class PayPalPayouts:
    name = "PayPal"

    def __init__(self, client_id: str, client_secret: str, api_base: str, policy: RetryPolicy,
                 timeout_seconds: float, poll_interval_seconds: float,
                 poll_timeout_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._http = ProviderHttp("paypal", api_base, timeout_seconds, policy)
        self._credentials = {"Authorization": aiohttp.encode_basic_auth(client_id, client_secret)}
        self._poll_interval = poll_interval_seconds
        self._poll_timeout = poll_timeout_seconds
        self._clock = clock
        self._token: str | None = None
        self._token_expires = 0.0

    async def transfer(self, request: TransferRequest) -> TransferResult:
        batch_id = await self._create_or_find(request)
        return await self._settled(batch_id)

    async def _create_or_find(self, request: TransferRequest) -> str:
        answer = await self._call("POST", "/v1/payments/payouts", "create payout",
                                  payout_body(request))
        if answer.ok:
            return str(answer.body["batch_header"]["payout_batch_id"])
        if _is_duplicate(answer):
            return _original_batch_id(answer)
        raise error_for_status("paypal", answer.status, answer.field("name"))

    async def _settled(self, batch_id: str) -> TransferResult:
        deadline = self._clock() + self._poll_timeout
        while True:
            answer = await self._call("GET", f"/v1/payments/payouts/{batch_id}", "read payout")
            if not answer.ok:
                error = error_for_status("paypal", answer.status, answer.field("name"))
                # The batch exists: not finding or reading it proves nothing about the money.
                raise error if isinstance(error, TransferUnknown) else TransferUnknown(
                    f"paypal: batch {batch_id} unreadable (HTTP {answer.status})")
            status = _item_status(answer.body)
            if status in PAID:
                return TransferResult(batch_id)
            if status in NOT_PAID:
                raise TransferFailed(f"paypal:{_item_error(answer.body) or status}")
            if self._clock() >= deadline:
                raise TransferUnknown(f"paypal: batch {batch_id} still {status}")
            await asyncio.sleep(self._poll_interval)

    async def _call(self, method: str, path: str, what: str, body: Any = None) -> Answer:
        """An API call with a bearer token; a token refused mid-life is renewed once."""
        fresh = self._token is None or self._clock() >= self._token_expires
        answer = await self._http.send(method, path, what, json=body,
                                       headers={"Authorization": f"Bearer {await self._bearer()}"})
        if answer.status == 401 and not fresh:
            self._token = None
            answer = await self._http.send(method, path, what, json=body, headers={
                "Authorization": f"Bearer {await self._bearer()}"})
        return answer

    async def _bearer(self) -> str:
        if self._token is None or self._clock() >= self._token_expires:
            answer = await self._http.send("POST", "/v1/oauth2/token", "token",
                                            form={"grant_type": "client_credentials"},
                                            headers=self._credentials)
            if not answer.ok:
                raise error_for_status("paypal", answer.status, answer.field("error"))
            self._token = str(answer.body["access_token"])
            # Renewed a minute early, so a token never expires between check and use.
            self._token_expires = self._clock() + float(answer.body["expires_in"]) - 60
        return self._token

    async def close(self) -> None:
        await self._http.close()


def payout_body(request: TransferRequest) -> dict[str, Any]:
    return {
        "sender_batch_header": {"sender_batch_id": request.idempotency_key,
                                "recipient_type": "EMAIL",
                                "email_subject": "You have a payout"},
        "items": [{"recipient_type": "EMAIL", "receiver": request.destination,
                   "amount": {"value": amount_text(request.amount_cents, request.currency),
                              "currency": request.currency},
                   "note": request.description, "sender_item_id": request.idempotency_key}],
    }


def amount_text(cents: int, currency: str) -> str:
    amount = major_units(cents, currency)
    if currency in WHOLE_UNIT_CURRENCIES:
        if amount != amount.to_integral_value():
            raise TransferFailed("paypal:DECIMALS_NOT_SUPPORTED")
        return str(amount.quantize(Decimal(1)))
    return str(amount)


def _is_duplicate(answer: Answer) -> bool:
    return answer.status == 400 and any(
        str(d.get("field", "")).upper() == "SENDER_BATCH_ID" for d in _details(answer))


def _original_batch_id(answer: Answer) -> str:
    """The batch id at the end of the duplicate error's link (its host is PayPal's, not
    necessarily our configured base, so only the id is taken)."""
    for detail in _details(answer):
        for link in detail.get("link") or detail.get("links") or []:
            href = str(link.get("href", "")).split("?")[0].rstrip("/")
            if "/v1/payments/payouts/" in href:
                return href.rsplit("/", 1)[1]
    # Paid once already, perhaps: never a failure, and the same attempt is asked again later.
    raise TransferUnknown("paypal: duplicate sender_batch_id without a link to its batch")


def _details(answer: Answer) -> list[dict[str, Any]]:
    details = answer.field("details")
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def _item(body: Any) -> dict[str, Any]:
    items = body.get("items") if isinstance(body, dict) else None
    return items[0] if isinstance(items, list) and items else {}


def _item_status(body: Any) -> str:
    status = _item(body).get("transaction_status")
    if status:
        return str(status)
    header = body.get("batch_header", {}) if isinstance(body, dict) else {}
    return str(header.get("batch_status") or "PENDING")


def _item_error(body: Any) -> str | None:
    errors = _item(body).get("errors")
    return str(errors["name"]) if isinstance(errors, dict) and errors.get("name") else None
