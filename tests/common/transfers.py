"""Transfer requests and provider settings for the payment-method adapter tests."""

from __future__ import annotations

import uuid
from typing import Any

from libs.shared.settings import Settings
from services.payouts.domain.transfers import TransferRequest

# Fast retries: 4 attempts with waits of 10, 20, 40 ms.
FAST_RETRIES: dict[str, Any] = {
    "payouts_provider_attempts": 4, "payouts_provider_backoff_seconds": 0.01,
    "payouts_provider_timeout_seconds": 2.0}
NO_CREDENTIALS: dict[str, Any] = {
    "stripe_api_key": "", "paypal_client_id": "", "paypal_client_secret": "",
    "wise_api_token": "", "wise_profile_id": ""}


def transfer_request(destination: str, *, amount_cents: int = 1234, currency: str = "USD",
                     attempt: int = 1, payout_id: uuid.UUID | None = None) -> TransferRequest:
    return TransferRequest(payout_id=payout_id or uuid.uuid4(), attempt=attempt,
                           amount_cents=amount_cents, currency=currency,
                           destination=destination, description="Rekomi commissions")


def provider_settings(**overrides: Any) -> Settings:
    """Settings with no provider credentials but ``overrides`` (whatever the environment says)."""
    return Settings(**{**NO_CREDENTIALS, **FAST_RETRIES, **overrides})
