"""What a provider's answer means for a payout, decided once for Stripe, PayPal and Wise.

- 5xx, 408, 409 (a concurrent request holds the same idempotency key), 429, timeouts and
  dropped connections are transient: asked again with the same idempotency key, a bounded
  number of times, then ``TransferUnknown`` (the provider may or may not have moved the money).
- 401 and 403 are our credentials or our account's permissions, not the affiliate's
  destination: ``ProviderAuthFailed``, a ``TransferUnknown``, so the payout stays Processing
  (nothing was sent, but failing it would blame the affiliate) while operators fix the keys.
- Any other 4xx is final: ``TransferFailed`` with ``provider:code`` as the reason."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from services.payouts.domain.transfers import TransferFailed, TransferUnknown

log = logging.getLogger(__name__)
T = TypeVar("T")

TRANSIENT_STATUSES = frozenset({408, 409, 429})
AUTH_STATUSES = frozenset({401, 403})


class Transient(Exception):
    """One call failed in a way worth repeating with the same idempotency key."""


class ProviderAuthFailed(TransferUnknown):
    """The provider refused our credentials (401) or our account's rights (403): nothing was
    sent. A ``TransferUnknown`` so that a caller that knows only the interface keeps the payout
    Processing; a caller that knows this type can alert, or stop the run for this method."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4
    backoff_seconds: float = 0.5  # waits of backoff x 1, 2, 4, ...
    max_wait_seconds: float = 8.0


def error_for_status(provider: str, status: int, code: str | None) -> Exception:
    """The exception an HTTP error answer becomes; ``code`` is the provider's error code."""
    if status >= 500 or status in TRANSIENT_STATUSES:
        return Transient(f"{provider}: HTTP {status} {code or ''}".rstrip())
    if status in AUTH_STATUSES:
        return ProviderAuthFailed(f"{provider}: HTTP {status} {code or ''}".rstrip())
    return TransferFailed(f"{provider}:{code or status}")


async def with_retries(call: Callable[[], Awaitable[T]], policy: RetryPolicy,
                       what: str) -> T:
    """``call()`` until it answers or fails for good; ``Transient`` ``policy.attempts`` times
    in a row becomes ``TransferUnknown``. ``what`` names the call in logs (never a secret)."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait_exponential(multiplier=policy.backoff_seconds, max=policy.max_wait_seconds),
        retry=retry_if_exception_type(Transient), reraise=True,
        before_sleep=lambda state: _log_retry(what, state))
    try:
        return await retrying(call)
    except Transient as exc:
        raise TransferUnknown(f"{exc} (after {policy.attempts} attempts: {what})") from exc


def _log_retry(what: str, state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning("provider call failed, retrying", extra={
        "call": what, "attempt": state.attempt_number, "error": str(error)})
