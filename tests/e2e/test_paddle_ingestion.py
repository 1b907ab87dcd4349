"""Paddle Billing payments booked without brand code (issue 23): ``transaction.completed``
credited by its ``custom_data.rekomi_ref`` or its discount's id, renewals by their
subscription, and approved refund adjustments summed into the sale's refunded share."""

from __future__ import annotations

import aiohttp

from tests.common.provider_events import connect_paddle
from tests.common.s2s import seller
from tests.common.stripe_payloads import (
    conversions,
    paddle_refund,
    paddle_transaction,
    processed,
    send_paddle,
)


async def test_a_transaction_is_credited_by_its_custom_data(http: aiohttp.ClientSession,
                                                            stack: object) -> None:
    s = await seller(http)
    secret = await connect_paddle(http, s.org)
    paid = paddle_transaction(total=11000, tax=1000, ref=s.slug, subscription="sub_01paddle")
    await send_paddle(http, s.org, secret, "transaction.completed", paid)
    [booked] = await conversions(http, s.org, paid["id"])
    assert (booked["attributionMethod"], booked["amountCents"], booked["type"]) == (
        "metadata_or_customer", 10000, "Recurring")

    renewal = paddle_transaction(total=11000, tax=1000, subscription="sub_01paddle",
                                 customer=paid["customer_id"],
                                 origin="subscription_recurring")
    await send_paddle(http, s.org, secret, "transaction.completed", renewal)
    [renewed] = await conversions(http, s.org, renewal["id"])
    assert (renewed["affiliateId"], renewed["attributionMethod"]) == (
        s.affiliate["id"], "subscription")


async def test_a_discount_id_assigned_as_a_code_credits_the_transaction(
        http: aiohttp.ClientSession, stack: object) -> None:
    s = await seller(http)
    secret = await connect_paddle(http, s.org)
    async with http.post(f"/api/v1/affiliates/{s.affiliate['id']}/coupon-codes",
                         json={"code": "dsc_01paddlecode"}, headers=s.org.auth) as response:
        assert response.status == 201, await response.text()
    paid = paddle_transaction(total=5000, discount="dsc_01PADDLECODE")
    await send_paddle(http, s.org, secret, "transaction.completed", paid)
    [booked] = await conversions(http, s.org, paid["id"])
    assert booked["attributionMethod"] == "coupon"


async def test_pending_adjustments_refund_nothing(http: aiohttp.ClientSession,
                                                  stack: object) -> None:
    s = await seller(http)
    secret = await connect_paddle(http, s.org)
    paid = paddle_transaction(total=5000, ref=s.slug)
    await send_paddle(http, s.org, secret, "transaction.completed", paid)
    pending = {**paddle_refund(paid, 5000, full=True), "status": "pending_approval"}
    event = await send_paddle(http, s.org, secret, "adjustment.created", pending)
    assert await processed(s.org, event) == "ignored"
    approved = {**pending, "status": "approved"}
    event = await send_paddle(http, s.org, secret, "adjustment.updated", approved)
    assert await processed(s.org, event) == "refunded"
    [booked] = await conversions(http, s.org, paid["id"], status="Refunded")
    assert booked["commissionCents"] == 5000 * s.program["defaultCommissionValue"] // 100


async def test_partial_refund_adjustments_add_up(http: aiohttp.ClientSession,
                                                 stack: object) -> None:
    s = await seller(http)
    secret = await connect_paddle(http, s.org)
    paid = paddle_transaction(total=10000, ref=s.slug)
    await send_paddle(http, s.org, secret, "transaction.completed", paid)
    [booked] = await conversions(http, s.org, paid["id"])
    commission = booked["commissionCents"]
    first = paddle_refund(paid, 2000)
    await send_paddle(http, s.org, secret, "adjustment.created", first)
    await send_paddle(http, s.org, secret, "adjustment.updated", first)  # the same one again
    await conversions(http, s.org, paid["id"], commissionCents=commission * 8 // 10)
    await send_paddle(http, s.org, secret, "adjustment.created", paddle_refund(paid, 3000))
    [half] = await conversions(http, s.org, paid["id"], commissionCents=commission // 2)
    assert half["status"] == "Pending"
