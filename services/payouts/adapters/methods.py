"""The payment methods this deployment can pay with, built from the settings: a method whose
credentials are not set is not offered, and asking for it is ``MethodNotConfigured``."""

from __future__ import annotations

from collections.abc import Callable

from libs.shared.settings import Settings
from services.payouts.adapters.paypal import PayPalPayouts
from services.payouts.adapters.provider_errors import RetryPolicy
from services.payouts.adapters.stripe_connect import StripeConnect
from services.payouts.adapters.wise import WiseTransfers
from services.payouts.domain.transfers import MethodNotConfigured, PaymentMethod

STRIPE, PAYPAL, WISE = "StripeConnect", "PayPal", "Wise"


def configured_methods(settings: Settings) -> set[str]:
    return {name for name, configured in _CONFIGURED.items() if configured(settings)}


def payment_method(name: str, settings: Settings) -> PaymentMethod:
    """A new adapter for ``name`` (the API's method enum); the caller closes it."""
    if name not in _BUILD:
        raise MethodNotConfigured(f"{name!r} is not a payment method Rekomi can pay with")
    if not _CONFIGURED[name](settings):
        raise MethodNotConfigured(f"{name} has no credentials in the settings")
    return _BUILD[name](settings)


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(attempts=settings.payouts_provider_attempts,
                       backoff_seconds=settings.payouts_provider_backoff_seconds)


def _stripe(settings: Settings) -> PaymentMethod:
    return StripeConnect(settings.stripe_api_key.get_secret_value(), settings.stripe_api_base,
                         retry_policy(settings), settings.payouts_provider_timeout_seconds)


def _paypal(settings: Settings) -> PaymentMethod:
    return PayPalPayouts(settings.paypal_client_id,
                         settings.paypal_client_secret.get_secret_value(),
                         settings.paypal_api_base, retry_policy(settings),
                         settings.payouts_provider_timeout_seconds,
                         settings.paypal_poll_interval_seconds,
                         settings.paypal_poll_timeout_seconds)


def _wise(settings: Settings) -> PaymentMethod:
    return WiseTransfers(settings.wise_api_token.get_secret_value(), settings.wise_profile_id,
                         settings.wise_api_base, retry_policy(settings),
                         settings.payouts_provider_timeout_seconds)


_CONFIGURED: dict[str, Callable[[Settings], bool]] = {
    STRIPE: lambda s: bool(s.stripe_api_key.get_secret_value()),
    PAYPAL: lambda s: bool(s.paypal_client_id and s.paypal_client_secret.get_secret_value()),
    WISE: lambda s: bool(s.wise_api_token.get_secret_value() and s.wise_profile_id),
}
_BUILD: dict[str, Callable[[Settings], PaymentMethod]] = {
    STRIPE: _stripe, PAYPAL: _paypal, WISE: _wise}
