"""What the payouts service asks of a payment provider, and what it can answer.

One ``PaymentMethod`` per provider (Stripe Connect, PayPal Payouts, Wise) sends one transfer per
payout attempt. The provider's idempotency key is derived from the payout id and its attempt
number, so asking again for the same attempt (after a crash, a timeout or a lost answer) can
never move the money twice: the provider answers with the transfer it already made."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class TransferRequest:
    payout_id: uuid.UUID
    attempt: int  # 1 for the run, +1 per /retry; the same attempt may be sent many times
    amount_cents: int  # > 0, minor units of ``currency``
    currency: str  # ISO 4217, upper case
    destination: str  # acct_... (Stripe), an e-mail (PayPal), a recipient id (Wise)
    description: str

    @property
    def idempotency_key(self) -> str:
        return f"rekomi-payout-{self.payout_id}-{self.attempt}"


@dataclass(frozen=True, slots=True)
class TransferResult:
    """The provider's id of the transfer it made (tr_..., a PayPal batch id, a Wise transfer
    id): the payout's ``stripeTransferId`` or ``externalTransactionId``."""

    external_id: str


class TransferFailed(Exception):
    """The provider refused for good (no such account, account cannot receive, currency not
    supported): the payout is Failed with ``reason`` and may be retried by an operator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransferUnknown(Exception):
    """The provider could not be reached or kept failing transiently (5xx, 429, timeouts)
    after the adapter's bounded retries: whether it made the transfer is unknown, so the
    payout stays Processing and the same attempt is sent again later (same idempotency key)."""


class MethodNotConfigured(Exception):
    """No credentials for this method in the settings: refused before anything is claimed."""


class PaymentMethod(Protocol):
    name: str  # the API's method enum: StripeConnect | PayPal | Wise

    async def transfer(self, request: TransferRequest) -> TransferResult:
        """Send (or find again) the transfer of ``request``; raises TransferFailed or
        TransferUnknown."""
        ...

    async def close(self) -> None:
        ...
