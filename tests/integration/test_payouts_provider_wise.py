"""The Wise adapter against a fake Wise (tests.common.wise_server) over real HTTP: quote,
transfer keyed by customerTransactionId, funding from the balance."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from services.payouts.adapters.methods import payment_method
from services.payouts.adapters.provider_errors import ProviderAuthFailed
from services.payouts.adapters.wise import customer_transaction_id
from services.payouts.domain.transfers import (
    MethodNotConfigured,
    PaymentMethod,
    TransferFailed,
    TransferUnknown,
)
from tests.common.local_http import serving
from tests.common.transfers import provider_settings, transfer_request
from tests.common.wise_server import FUND_PATH, PROFILE_ID, TOKEN, FakeWise

RECIPIENT = "10001"


@pytest.fixture
async def wise() -> AsyncIterator[tuple[FakeWise, str]]:
    fake = FakeWise()
    async with serving(fake.app()) as base:
        yield fake, base


def wise_method(base: str, **overrides: object) -> PaymentMethod:
    return payment_method("Wise", provider_settings(**{
        "wise_api_token": TOKEN, "wise_profile_id": PROFILE_ID, "wise_api_base": base,
        "payouts_provider_timeout_seconds": 0.3, **overrides}))


@pytest.fixture
async def method(wise: tuple[FakeWise, str]) -> AsyncIterator[PaymentMethod]:
    adapter = wise_method(wise[1])
    yield adapter
    await adapter.close()


async def test_a_payout_is_a_funded_transfer_to_the_recipient(
        wise: tuple[FakeWise, str], method: PaymentMethod) -> None:
    fake, _ = wise
    request = transfer_request(RECIPIENT, amount_cents=1234, currency="GBP")

    result = await method.transfer(request)

    [transfer] = fake.transfers
    assert result.external_id == str(transfer["id"]) and fake.fundings == [transfer["id"]]
    assert transfer["targetAccount"] == 10001 and transfer["status"] == "processing"
    assert (transfer["targetCurrency"], transfer["targetValue"]) == ("GBP", 12.34)
    assert transfer["customerTransactionId"] == str(
        customer_transaction_id(request.idempotency_key))


async def test_the_same_attempt_sent_twice_is_one_transfer_funded_once(
        wise: tuple[FakeWise, str], method: PaymentMethod) -> None:
    fake, _ = wise
    request = transfer_request(RECIPIENT)

    first = await method.transfer(request)
    again = await method.transfer(request)

    assert again == first
    assert len(fake.transfers) == 1 and len(fake.fundings) == 1


async def test_a_new_attempt_is_a_new_transfer(
        wise: tuple[FakeWise, str], method: PaymentMethod) -> None:
    first = transfer_request(RECIPIENT)
    retry = transfer_request(RECIPIENT, payout_id=first.payout_id, attempt=2)

    ids = {(await method.transfer(r)).external_id for r in (first, retry)}

    assert ids == {str(t["id"]) for t in wise[0].transfers} and len(ids) == 2


@pytest.mark.parametrize(("status", "when"), [(429, "before"), (503, "before"), (500, "after")])
async def test_transient_answers_are_retried_into_one_transfer(
        wise: tuple[FakeWise, str], method: PaymentMethod, status: int, when: str) -> None:
    """``after``: Wise made the transfer and the answer was lost; the retry with the same
    customerTransactionId is answered with it."""
    fake, _ = wise
    fake.faults.next(2, status, when=when)

    result = await method.transfer(transfer_request(RECIPIENT))

    assert fake.faults.calls == 3
    assert [str(t["id"]) for t in fake.transfers] == [result.external_id]
    assert len(fake.fundings) == 1


async def test_a_lost_funding_answer_is_not_funded_twice(
        wise: tuple[FakeWise, str], method: PaymentMethod) -> None:
    fake, _ = wise
    fake.faults.next(1, 500, path=FUND_PATH, when="after")

    result = await method.transfer(transfer_request(RECIPIENT))

    # The second funding call is refused (invalid state); the transfer is read: processing.
    assert fake.faults.calls == 2
    assert fake.fundings == [int(result.external_id)]


async def test_a_late_answer_is_a_timeout_and_the_retry_finds_the_transfer(
        wise: tuple[FakeWise, str], method: PaymentMethod) -> None:
    fake, _ = wise
    fake.faults.next(1, 0, when="after", delay=0.6)

    result = await method.transfer(transfer_request(RECIPIENT))

    assert [str(t["id"]) for t in fake.transfers] == [result.external_id]


async def test_persistent_server_errors_are_unknown_after_bounded_retries(
        wise: tuple[FakeWise, str], method: PaymentMethod) -> None:
    fake, _ = wise
    request = transfer_request(RECIPIENT)
    fake.faults.next(100, 500, when="after")

    with pytest.raises(TransferUnknown):
        await method.transfer(request)

    assert fake.faults.calls == 4 and len(fake.transfers) == 1 and fake.fundings == []
    fake.faults.next(0)
    assert (await method.transfer(request)).external_id == str(fake.transfers[0]["id"])
    assert len(fake.transfers) == 1 and len(fake.fundings) == 1


@pytest.mark.parametrize(("destination", "reason"), [
    ("99999", "wise:targetAccount:ERROR"),
    ("ana@example.com", "wise:destination_not_a_recipient_id"),
])
async def test_a_bad_recipient_fails_without_a_transfer(
        wise: tuple[FakeWise, str], method: PaymentMethod, destination: str, reason: str) -> None:
    with pytest.raises(TransferFailed) as failed:
        await method.transfer(transfer_request(destination))

    assert failed.value.reason == reason
    assert wise[0].transfers == []


async def test_a_short_balance_fails_the_funding(
        wise: tuple[FakeWise, str], method: PaymentMethod) -> None:
    fake, _ = wise
    fake.balance["USD"] = Decimal("10.00")

    with pytest.raises(TransferFailed) as failed:
        await method.transfer(transfer_request(RECIPIENT, amount_cents=1001, currency="USD"))

    assert failed.value.reason == "wise:transfer.insufficient_funds"
    assert fake.fundings == [] and fake.balance["USD"] == Decimal("10.00")


async def test_a_refused_token_is_not_the_payouts_failure(wise: tuple[FakeWise, str]) -> None:
    fake, base = wise
    method = wise_method(base, wise_api_token="expired")
    try:
        with pytest.raises(ProviderAuthFailed):
            await method.transfer(transfer_request(RECIPIENT))
    finally:
        await method.close()
    assert fake.transfers == []


def test_without_a_token_and_profile_wise_is_not_configured() -> None:
    with pytest.raises(MethodNotConfigured):
        payment_method("Wise", provider_settings(wise_api_token=TOKEN))
