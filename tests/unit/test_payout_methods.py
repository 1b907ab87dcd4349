"""The payment-method factory, the shared answer classification and the amount and key
derivations of the provider adapters (no network)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from libs.shared.money import major_units
from services.payouts.adapters.methods import configured_methods, payment_method
from services.payouts.adapters.paypal import amount_text
from services.payouts.adapters.provider_errors import (
    ProviderAuthFailed,
    Transient,
    error_for_status,
)
from services.payouts.adapters.wise import customer_transaction_id, wise_code
from services.payouts.domain.transfers import (
    MethodNotConfigured,
    TransferFailed,
    TransferRequest,
    TransferUnknown,
)
from tests.common.transfers import provider_settings

ALL_CREDENTIALS = {"stripe_api_key": "sk_test_x", "paypal_client_id": "id",
                   "paypal_client_secret": "secret", "wise_api_token": "t",
                   "wise_profile_id": "1"}


def test_only_methods_with_credentials_are_configured() -> None:
    assert configured_methods(provider_settings()) == set()
    assert configured_methods(provider_settings(paypal_client_id="id")) == set()
    assert configured_methods(provider_settings(**ALL_CREDENTIALS)) == {
        "StripeConnect", "PayPal", "Wise"}


async def test_each_configured_method_is_built_under_its_api_name() -> None:
    settings = provider_settings(**ALL_CREDENTIALS)
    for name in configured_methods(settings):
        method = payment_method(name, settings)
        assert method.name == name
        await method.close()


def test_an_unknown_method_is_not_configured() -> None:
    with pytest.raises(MethodNotConfigured):
        payment_method("Manual", provider_settings(**ALL_CREDENTIALS))


def test_provider_secrets_do_not_show_in_the_settings() -> None:
    settings = provider_settings(stripe_api_key="sk_live_S1", paypal_client_secret="PP_S2",
                                 wise_api_token="WISE_S3")
    assert not [s for s in ("sk_live_S1", "PP_S2", "WISE_S3") if s in repr(settings)]
    assert settings.wise_api_token.get_secret_value() == "WISE_S3"


@pytest.mark.parametrize(("status", "kind"), [
    (500, Transient), (503, Transient), (429, Transient), (408, Transient), (409, Transient),
    (401, ProviderAuthFailed), (403, ProviderAuthFailed),
    (400, TransferFailed), (404, TransferFailed), (422, TransferFailed)])
def test_answers_are_transient_our_credentials_or_final(status: int, kind: type) -> None:
    assert type(error_for_status("x", status, "code")) is kind


def test_a_final_answer_carries_the_providers_code() -> None:
    error = error_for_status("stripe", 400, "resource_missing")
    assert isinstance(error, TransferFailed) and error.reason == "stripe:resource_missing"
    assert issubclass(ProviderAuthFailed, TransferUnknown)


@pytest.mark.parametrize(("cents", "currency", "text"), [
    (1234, "USD", "12.34"), (5, "EUR", "0.05"), (100000, "GBP", "1000.00"),
    (1234, "JPY", "1234"), (1234, "KRW", "1234"), (123400, "HUF", "1234")])
def test_paypal_amounts_are_decimal_text_in_the_currencys_units(
        cents: int, currency: str, text: str) -> None:
    assert amount_text(cents, currency) == text
    assert major_units(cents, currency) == Decimal(text)


def test_an_amount_paypal_cannot_express_fails() -> None:
    with pytest.raises(TransferFailed):
        amount_text(123456, "HUF")  # 1234.56 HUF: PayPal takes no decimals for HUF


def test_the_wise_transaction_id_is_fixed_by_payout_and_attempt() -> None:
    payout = uuid.uuid4()
    keys = [TransferRequest(payout, attempt, 1, "EUR", "1", "").idempotency_key
            for attempt in (1, 1, 2)]
    ids = [customer_transaction_id(key) for key in keys]
    assert ids[0] == ids[1] != ids[2]


def test_wise_error_codes_carry_their_path() -> None:
    assert wise_code({"errors": [{"code": "ERROR", "path": "targetAccount"}]}) == \
        "targetAccount:ERROR"
    assert wise_code({"error": "invalid_token"}) == "invalid_token"
    assert wise_code(None) is None
