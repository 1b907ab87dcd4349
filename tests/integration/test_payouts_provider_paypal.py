"""The PayPal Payouts adapter against a fake PayPal (tests.common.paypal_server) over real
HTTP: token, one-item batch keyed by sender_batch_id, the batch read until its item settles."""

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
from tests.common.local_http import serving
from tests.common.paypal_server import CLIENT_ID, CLIENT_SECRET, FakePayPal
from tests.common.transfers import provider_settings, transfer_request

AFFILIATE = "ana@example.com"


@pytest.fixture
async def paypal() -> AsyncIterator[tuple[FakePayPal, str]]:
    fake = FakePayPal()
    async with serving(fake.app()) as base:
        yield fake, base


def paypal_method(base: str, **overrides: object) -> PaymentMethod:
    return payment_method("PayPal", provider_settings(**{
        "paypal_client_id": CLIENT_ID, "paypal_client_secret": CLIENT_SECRET,
        "paypal_api_base": base, "paypal_poll_interval_seconds": 0.01,
        "paypal_poll_timeout_seconds": 1.0, **overrides}))


@pytest.fixture
async def method(paypal: tuple[FakePayPal, str]) -> AsyncIterator[PaymentMethod]:
    adapter = paypal_method(paypal[1], payouts_provider_timeout_seconds=0.3)
    yield adapter
    await adapter.close()


async def test_a_payout_is_one_batch_of_one_item_read_until_it_succeeds(
        paypal: tuple[FakePayPal, str], method: PaymentMethod) -> None:
    fake, _ = paypal
    fake.pending_reads = 2
    request = transfer_request(AFFILIATE, amount_cents=1234, currency="USD")

    result = await method.transfer(request)

    [batch] = fake.batches
    assert result.external_id == batch.payout_batch_id
    assert batch.sender_batch_id == request.idempotency_key
    assert (batch.receiver, batch.amount) == (AFFILIATE, {"value": "12.34", "currency": "USD"})
    assert batch.reads == 3


async def test_a_zero_decimal_currency_is_sent_in_whole_units(
        paypal: tuple[FakePayPal, str], method: PaymentMethod) -> None:
    await method.transfer(transfer_request(AFFILIATE, amount_cents=1234, currency="JPY"))

    assert paypal[0].batches[0].amount == {"value": "1234", "currency": "JPY"}


async def test_the_same_attempt_sent_twice_finds_the_first_batch(
        paypal: tuple[FakePayPal, str], method: PaymentMethod) -> None:
    fake, _ = paypal
    request = transfer_request(AFFILIATE)

    first = await method.transfer(request)
    again = await method.transfer(request)

    assert again == first
    assert len(fake.batches) == 1 and fake.faults.calls == 2  # the second POST: duplicate


async def test_a_new_attempt_is_a_new_batch(
        paypal: tuple[FakePayPal, str], method: PaymentMethod) -> None:
    first = transfer_request(AFFILIATE)
    retry = transfer_request(AFFILIATE, payout_id=first.payout_id, attempt=2)

    ids = {(await method.transfer(r)).external_id for r in (first, retry)}

    assert ids == {b.payout_batch_id for b in paypal[0].batches} and len(ids) == 2


@pytest.mark.parametrize(("status", "when"), [(429, "before"), (503, "before"), (500, "after")])
async def test_transient_answers_are_retried_into_one_batch(
        paypal: tuple[FakePayPal, str], method: PaymentMethod, status: int, when: str) -> None:
    """``after``: PayPal made the batch and the answer was lost; the retry is refused as a
    duplicate whose link leads to that batch."""
    fake, _ = paypal
    fake.faults.next(2, status, when=when)

    result = await method.transfer(transfer_request(AFFILIATE))

    assert fake.faults.calls == 3
    assert [b.payout_batch_id for b in fake.batches] == [result.external_id]


async def test_a_late_answer_is_a_timeout_and_the_retry_finds_the_batch(
        paypal: tuple[FakePayPal, str], method: PaymentMethod) -> None:
    fake, _ = paypal
    fake.faults.next(1, 0, when="after", delay=0.6)

    result = await method.transfer(transfer_request(AFFILIATE))

    assert [b.payout_batch_id for b in fake.batches] == [result.external_id]


async def test_persistent_server_errors_are_unknown_after_bounded_retries(
        paypal: tuple[FakePayPal, str], method: PaymentMethod) -> None:
    fake, _ = paypal
    request = transfer_request(AFFILIATE)
    fake.faults.next(100, 500, when="after")

    with pytest.raises(TransferUnknown):
        await method.transfer(request)

    assert fake.faults.calls == 4 and len(fake.batches) == 1
    fake.faults.next(0)
    assert (await method.transfer(request)).external_id == fake.batches[0].payout_batch_id
    assert len(fake.batches) == 1


async def test_a_batch_still_pending_is_unknown_and_settles_on_a_later_send(
        paypal: tuple[FakePayPal, str]) -> None:
    fake, base = paypal
    fake.pending_reads = 1000
    request = transfer_request(AFFILIATE)
    method = paypal_method(base, paypal_poll_timeout_seconds=0.05)
    try:
        with pytest.raises(TransferUnknown, match="still PENDING"):
            await method.transfer(request)
        fake.pending_reads = 0
        assert (await method.transfer(request)).external_id == fake.batches[0].payout_batch_id
    finally:
        await method.close()
    assert len(fake.batches) == 1


@pytest.mark.parametrize(("receiver", "outcome", "reason"), [
    ("locked@example.com", ("FAILED", "RECEIVER_ACCOUNT_LOCKED"), "paypal:RECEIVER_ACCOUNT_LOCKED"),
    ("blocked@example.com", ("BLOCKED", ""), "paypal:BLOCKED"),
])
async def test_an_item_paypal_does_not_pay_fails_with_its_error(
        paypal: tuple[FakePayPal, str], method: PaymentMethod, receiver: str,
        outcome: tuple[str, str], reason: str) -> None:
    paypal[0].outcomes[receiver] = outcome

    with pytest.raises(TransferFailed) as failed:
        await method.transfer(transfer_request(receiver))

    assert failed.value.reason == reason


async def test_an_unclaimed_item_is_paid(
        paypal: tuple[FakePayPal, str], method: PaymentMethod) -> None:
    fake, _ = paypal
    fake.outcomes["new@example.com"] = ("UNCLAIMED", "RECEIVER_UNREGISTERED")

    result = await method.transfer(transfer_request("new@example.com"))

    assert result.external_id == fake.batches[0].payout_batch_id


async def test_an_invalid_receiver_fails_without_a_batch(
        paypal: tuple[FakePayPal, str], method: PaymentMethod) -> None:
    with pytest.raises(TransferFailed) as failed:
        await method.transfer(transfer_request("not-an-email"))

    assert failed.value.reason == "paypal:VALIDATION_ERROR"
    assert paypal[0].batches == [] and paypal[0].faults.calls == 1


async def test_the_token_is_reused_and_renewed_once_when_refused(
        paypal: tuple[FakePayPal, str], method: PaymentMethod) -> None:
    fake, _ = paypal
    await method.transfer(transfer_request(AFFILIATE))
    await method.transfer(transfer_request(AFFILIATE))
    assert fake.token_requests == 1

    fake.revoke_tokens()
    await method.transfer(transfer_request(AFFILIATE))

    assert fake.token_requests == 2 and len(fake.batches) == 3


async def test_refused_credentials_are_not_the_payouts_failure(
        paypal: tuple[FakePayPal, str]) -> None:
    fake, base = paypal
    method = paypal_method(base, paypal_client_secret="wrong")
    try:
        with pytest.raises(ProviderAuthFailed):
            await method.transfer(transfer_request(AFFILIATE))
    finally:
        await method.close()
    assert fake.batches == [] and fake.token_requests == 1


def test_without_client_credentials_paypal_is_not_configured() -> None:
    with pytest.raises(MethodNotConfigured):
        payment_method("PayPal", provider_settings(paypal_client_id=CLIENT_ID))
