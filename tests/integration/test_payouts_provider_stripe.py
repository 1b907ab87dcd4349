"""The Stripe Connect adapter against localstripe (with transfers, connected accounts and
Idempotency-Key replay added by tests.common.localstripe_plugin), over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.payouts.adapters.methods import payment_method
from services.payouts.adapters.provider_errors import ProviderAuthFailed
from services.payouts.domain.transfers import (
    MethodNotConfigured,
    PaymentMethod,
    TransferFailed,
    TransferUnknown,
)
from tests.common.stripe_server import API_KEY, LocalStripe, running_localstripe
from tests.common.transfers import provider_settings, transfer_request


@pytest.fixture(scope="module")
async def localstripe() -> AsyncIterator[LocalStripe]:
    async with running_localstripe() as server:
        yield server


@pytest.fixture
async def stripe_method(localstripe: LocalStripe) -> AsyncIterator[PaymentMethod]:
    await localstripe.faults(count=0, delay=0.0, calls=0)
    method = payment_method("StripeConnect", provider_settings(
        stripe_api_key=API_KEY, stripe_api_base=localstripe.base,
        payouts_provider_timeout_seconds=0.3))
    yield method
    await method.close()
    await localstripe.faults(count=0, delay=0.0)


@pytest.fixture
async def account(localstripe: LocalStripe) -> str:
    return await localstripe.connected_account()


async def test_a_transfer_lands_on_the_connected_account(
        stripe_method: PaymentMethod, localstripe: LocalStripe, account: str) -> None:
    request = transfer_request(account, amount_cents=1234, currency="EUR")

    result = await stripe_method.transfer(request)

    [transfer] = await localstripe.transfers(account)
    assert result.external_id == transfer["id"] and transfer["id"].startswith("tr_")
    assert (transfer["amount"], transfer["currency"]) == (1234, "eur")
    assert transfer["metadata"] == {"payout_id": str(request.payout_id), "attempt": "1"}


async def test_the_same_attempt_sent_twice_is_one_transfer(
        stripe_method: PaymentMethod, localstripe: LocalStripe, account: str) -> None:
    request = transfer_request(account)

    first = await stripe_method.transfer(request)
    again = await stripe_method.transfer(request)

    assert again == first
    assert [t["id"] for t in await localstripe.transfers(account)] == [first.external_id]


async def test_a_new_attempt_is_a_new_transfer(
        stripe_method: PaymentMethod, localstripe: LocalStripe, account: str) -> None:
    first = transfer_request(account)
    retry = transfer_request(account, payout_id=first.payout_id, attempt=2)

    ids = {(await stripe_method.transfer(r)).external_id for r in (first, retry)}

    assert len(ids) == 2
    assert {t["id"] for t in await localstripe.transfers(account)} == ids


@pytest.mark.parametrize(("status", "when"), [(429, "before"), (503, "before"), (500, "after")])
async def test_transient_answers_are_retried_into_one_transfer(
        stripe_method: PaymentMethod, localstripe: LocalStripe, account: str,
        status: int, when: str) -> None:
    """``after``: Stripe made the transfer and the answer was lost; the retry with the same
    key is answered with that transfer."""
    await localstripe.faults(count=2, status=status, when=when)

    result = await stripe_method.transfer(transfer_request(account))

    assert (await localstripe.faults())["calls"] == 3
    assert [t["id"] for t in await localstripe.transfers(account)] == [result.external_id]


async def test_a_late_answer_is_a_timeout_and_the_retry_finds_the_transfer(
        stripe_method: PaymentMethod, localstripe: LocalStripe, account: str) -> None:
    await localstripe.faults(count=1, status=0, when="after", delay=0.6)

    result = await stripe_method.transfer(transfer_request(account))

    assert (await localstripe.faults())["calls"] == 2
    assert [t["id"] for t in await localstripe.transfers(account)] == [result.external_id]


async def test_persistent_server_errors_are_unknown_after_bounded_retries(
        stripe_method: PaymentMethod, localstripe: LocalStripe, account: str) -> None:
    request = transfer_request(account)
    await localstripe.faults(count=100, status=500, when="after")

    with pytest.raises(TransferUnknown):
        await stripe_method.transfer(request)

    assert (await localstripe.faults())["calls"] == 4
    [made] = await localstripe.transfers(account)
    # Later the same attempt is sent again and learns which transfer that was.
    await localstripe.faults(count=0)
    assert (await stripe_method.transfer(request)).external_id == made["id"]
    assert len(await localstripe.transfers(account)) == 1


async def test_an_unknown_destination_fails_the_transfer_at_once(
        stripe_method: PaymentMethod, localstripe: LocalStripe) -> None:
    with pytest.raises(TransferFailed) as failed:
        await stripe_method.transfer(transfer_request("acct_doesnotexist"))

    assert failed.value.reason == "stripe:resource_missing"
    assert (await localstripe.faults())["calls"] == 1


async def test_a_refused_api_key_is_not_the_payouts_failure(
        localstripe: LocalStripe, account: str) -> None:
    method = payment_method("StripeConnect", provider_settings(
        stripe_api_key="pk_test_not_a_secret_key", stripe_api_base=localstripe.base))
    try:
        with pytest.raises(ProviderAuthFailed):
            await method.transfer(transfer_request(account))
    finally:
        await method.close()
    assert await localstripe.transfers(account) == []


def test_without_an_api_key_stripe_is_not_configured() -> None:
    with pytest.raises(MethodNotConfigured):
        payment_method("StripeConnect", provider_settings())
