"""Stripe Connect: one Transfer from the platform's balance to the affiliate's connected account
(``acct_...``), with the official library's asyncio client over aiohttp.

Stripe's idempotency layer (keyed by the ``Idempotency-Key`` header, kept at least 24 hours)
answers a repeated attempt with the transfer it already made. The library's own retries are off
(``max_network_retries=0``): retries follow the one rule in ``provider_errors``."""

from __future__ import annotations

from typing import Any

import aiohttp
import stripe

from services.payouts.adapters.provider_errors import (
    RetryPolicy,
    Transient,
    error_for_status,
    with_retries,
)
from services.payouts.domain.transfers import TransferRequest, TransferResult


class StripeConnect:
    name = "StripeConnect"

    def __init__(self, api_key: str, api_base: str, policy: RetryPolicy,
                 timeout_seconds: float) -> None:
        self._http = stripe.AIOHTTPClient(timeout=aiohttp.ClientTimeout(total=timeout_seconds))
        self._client = stripe.StripeClient(api_key, base_addresses={"api": api_base},
                                           http_client=self._http, max_network_retries=0)
        self._policy = policy

    async def transfer(self, request: TransferRequest) -> TransferResult:
        params = transfer_params(request)

        async def create() -> stripe.Transfer:
            return await self._create(params, request.idempotency_key)

        transfer = await with_retries(create, self._policy,
                                      f"stripe transfer {request.idempotency_key}")
        return TransferResult(transfer.id)

    async def _create(self, params: Any, idempotency_key: str) -> stripe.Transfer:
        try:
            return await self._client.v1.transfers.create_async(
                params, options={"idempotency_key": idempotency_key})
        except stripe.APIConnectionError as exc:
            raise Transient(f"stripe: connection ({exc.user_message})") from exc
        except stripe.StripeError as exc:
            raise error_for_status("stripe", exc.http_status or 0, stripe_code(exc)) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            # The library wraps errors while sending, not while reading the answer's body.
            raise Transient(f"stripe: {type(exc).__name__} reading the answer") from exc

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]


def transfer_params(request: TransferRequest) -> Any:
    """The Transfer's parameters; the same for every send of one attempt, as Stripe's
    idempotency layer refuses a repeated key with other parameters."""
    return {
        "amount": request.amount_cents,
        "currency": request.currency.lower(),
        "destination": request.destination,
        "description": request.description,
        "transfer_group": f"rekomi-payout-{request.payout_id}",
        "metadata": {"payout_id": str(request.payout_id), "attempt": str(request.attempt)},
    }


def stripe_code(exc: stripe.StripeError) -> str | None:
    """Stripe's error code (``resource_missing``), else its error type
    (``idempotency_error``)."""
    error = exc.json_body.get("error") if isinstance(exc.json_body, dict) else None
    if not isinstance(error, dict):
        return exc.code
    code = error.get("code") or error.get("type")
    return str(code) if code else None
