"""Stripe ingestion fed by localstripe (issue 23's "Done means"): a coupon, a customer and a
subscription made with the official ``stripe`` client, whose webhooks localstripe signs and
sends to the org's endpoint through the running stack, then a partial refund and the
subscription's cancellation. Each event is stored once, however often it is delivered; the same
events signed with one org's secret open no other org's endpoint; and, once tracking books
Stripe events, the subscription's first invoice books one Recurring conversion credited by its
coupon. What localstripe sends: ``tests.common.localstripe_webhooks``."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import stripe
from aiohttp import web

from tests.common.affiliates_api import call, create_affiliate, get_page
from tests.common.api import create_program
from tests.common.localstripe_webhooks import (
    Subscribed,
    arrived,
    endpoint_of,
    new_coupon_id,
    stripe_client,
    subscribe_with_coupon,
    webhook,
)
from tests.common.orgs import Org
from tests.common.provider_events import connect_stripe, stored_events
from tests.common.stack import Stack
from tests.common.waiting import eventually

SENT = ("coupon.created", "customer.created", "invoice.created", "invoice.payment_succeeded",
        "invoice.paid", "customer.subscription.created")
LATER = ("charge.refunded", "customer.subscription.deleted")
# 50.00 a month, 20% off the first invoice, 10% VAT on the rest: Stripe's figures
AMOUNT, PERCENT_OFF, TAX_PERCENT = 5000, 20, 10
NET, TAX = 4000, 400


class Sentinel:
    """A webhook registered after the org's: localstripe delivers each event to its webhooks
    one after another in registration order, so once the sentinel has an event, every earlier
    delivery of it has been answered."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []  # (Stripe-Signature, body)

    async def receive(self, request: web.Request) -> web.Response:
        self.received.append((request.headers["Stripe-Signature"], await request.text()))
        return web.Response()

    def events(self, bought: Subscribed) -> list[dict[str, Any]]:
        """This purchase's events."""
        return [e for e in (json.loads(body) for _, body in self.received) if _of(bought, e)]


def _of(bought: Subscribed, event: dict[str, Any]) -> bool:
    """An event of this purchase: its coupon's, or its customer's. Another test's may arrive
    too: localstripe sends an event a second after it, to the webhooks registered then."""
    thing = event["data"]["object"]
    if event["type"] == "coupon.created":
        return bool(thing["id"] == bought.coupon_id)
    return bought.customer_id in (thing.get("customer"), thing["id"])


@pytest.fixture
async def sentinel() -> AsyncIterator[tuple[Sentinel, str]]:
    recorder = Sentinel()
    app = web.Application()
    app.router.add_post("/", recorder.receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield recorder, f"http://127.0.0.1:{port}/"
    await runner.cleanup()


async def _subscribe(stripe_base: str, coupon_id: str) -> Subscribed:
    async with stripe_client(stripe_base) as client:
        return await subscribe_with_coupon(
            client, coupon_id=coupon_id, email="buyer@example.com", amount=AMOUNT,
            percent_off=PERCENT_OFF, tax_percent=TAX_PERCENT)


async def test_localstripe_events_reach_the_endpoint_once_and_only_with_the_orgs_secret(
        http: aiohttp.ClientSession, stack: Stack, stripe_base: str, org: Org,
        other_org: Org, sentinel: tuple[Sentinel, str]) -> None:
    secret = await connect_stripe(http, org)
    await connect_stripe(http, other_org)
    recorder, sentinel_url = sentinel
    # Another org's endpoint with this org's secret, this org's twice (a redelivery), then
    # the sentinel: all four get every event, in that order.
    types = SENT + LATER
    async with webhook(stripe_base, endpoint_of(stack.base_url, other_org), secret, types), \
            webhook(stripe_base, endpoint_of(stack.base_url, org), secret, types), \
            webhook(stripe_base, endpoint_of(stack.base_url, org), secret, types), \
            webhook(stripe_base, sentinel_url, secret, types):
        bought = await _subscribe(stripe_base, new_coupon_id())
        async with stripe_client(stripe_base) as client:  # a partial refund, then churn
            await client.v1.refunds.create_async({"charge": bought.invoice["charge"],
                                                  "amount": 1100})
            await client.v1.subscriptions.cancel_async(bought.subscription_id)
        await eventually(lambda: _all_sent(recorder, bought, types),
                         what="every event delivered to the sentinel")

    sent = recorder.events(bought)
    rows = [row for row in await stored_events(org) if _of(bought, _event(row["payload"]))]
    assert sorted(row["event_id"] for row in rows) == sorted(e["id"] for e in sent)
    assert await stored_events(other_org) == []
    for header, body in recorder.received:
        assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header), header
        stripe.WebhookSignature.verify_header(body, header, secret, tolerance=300)

    stored = {row["event_type"]: _object(row["payload"]) for row in rows}
    _assert_first_invoice(stored["invoice.paid"], bought)
    charge = stored["charge.refunded"]
    assert (charge["id"], charge["invoice"], charge["customer"]) == (
        bought.invoice["charge"], bought.invoice["id"], bought.customer_id)
    assert (charge["amount"], charge["amount_refunded"], charge["refunded"]) == (
        NET + TAX, 1100, False)
    ended = stored["customer.subscription.deleted"]
    assert (ended["id"], ended["status"]) == (bought.subscription_id, "canceled")
    assert isinstance(ended["ended_at"], int)


def _event(payload: Any) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(payload) if isinstance(payload, str) else payload
    return event


def _object(payload: Any) -> dict[str, Any]:
    found: dict[str, Any] = _event(payload)["data"]["object"]
    return found


async def _all_sent(recorder: Sentinel, bought: Subscribed, types: tuple[str, ...]
                    ) -> bool | None:
    sent = [e["type"] for e in recorder.events(bought)]
    return True if sorted(sent) == sorted(types) else None


def _assert_first_invoice(invoice: dict[str, Any], bought: Subscribed) -> None:
    """What attribution and booking read from the invoice, as Stripe fills it."""
    assert invoice["id"] == bought.invoice["id"]
    assert (invoice["customer"], invoice["subscription"], invoice["customer_email"]) == (
        bought.customer_id, bought.subscription_id, "buyer@example.com")
    assert (invoice["billing_reason"], invoice["status"], invoice["currency"]) == (
        "subscription_create", "paid", "usd")
    assert invoice["discount"]["coupon"]["id"] == bought.coupon_id
    assert invoice["discounts"] == [invoice["discount"]["id"]]
    assert invoice["total_discount_amounts"] == [
        {"amount": AMOUNT - NET, "discount": invoice["discount"]["id"]}]
    assert (invoice["subtotal"], invoice["total_excluding_tax"], invoice["tax"]) == (
        AMOUNT, NET, TAX)
    assert invoice["total"] == invoice["amount_paid"] == NET + TAX
    assert invoice["charge"].startswith("ch_") and invoice["payment_intent"].startswith("pi_")


async def test_a_subscription_with_an_assigned_coupon_books_one_recurring_conversion(
        http: aiohttp.ClientSession, stack: Stack, stripe_base: str, org: Org) -> None:
    program = await create_program(http, org)
    affiliate = await create_affiliate(http, org, str(program["id"]))
    coupon_id = new_coupon_id()  # a coupon id counts as a promotion code does
    await call(http, "POST", f"/api/v1/affiliates/{affiliate['id']}/coupon-codes", org,
               {"code": coupon_id}, expect=201)
    secret = await connect_stripe(http, org)
    async with webhook(stripe_base, endpoint_of(stack.base_url, org), secret, SENT):
        bought = await _subscribe(stripe_base, coupon_id)
        await arrived(org, SENT)

        async def booked() -> list[dict[str, Any]] | None:
            items: list[dict[str, Any]] = (await get_page(
                http, org, "/api/v1/conversions", affiliateId=affiliate["id"]))["items"]
            return items or None

        [conversion] = await eventually(booked, what="the invoice's conversion")
    assert {key: conversion[key] for key in (
        "affiliateId", "programId", "type", "status", "attributionMethod", "couponCode",
        "stripeCustomerId", "stripeSubscriptionId", "amountCents", "currency",
        "commissionCents")} == {
        "affiliateId": affiliate["id"], "programId": program["id"], "type": "Recurring",
        "status": "Pending", "attributionMethod": "coupon", "couponCode": coupon_id,
        "stripeCustomerId": bought.customer_id, "stripeSubscriptionId": bought.subscription_id,
        "amountCents": NET, "currency": "USD", "commissionCents": NET * 20 // 100}
