"""Stripe payments booked without brand code (issue 23), through the running stack: events
built and signed as Stripe sends them reach the org's endpoint; tracking books each payment
once, credited by the first rule that matches (coupon, then checkout metadata or a known
customer, then a lead's e-mail), and keeps what nothing credits."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp

from tests.common.affiliates_api import create_affiliate
from tests.common.orgs import Org, new_org
from tests.common.payouts_api import ledger_sql
from tests.common.provider_events import (
    connect_stripe,
    post_event,
    stripe_signature,
    tracking_sql,
)
from tests.common.s2s import Seller, lead, post_signed, seller
from tests.common.stripe_payloads import (
    checkout,
    conversions,
    invoice,
    processed,
    sale_rows,
    send_stripe,
    sid,
    stripe_body,
)
from tests.common.tracking_api import click_rows, indexed, post_click

LEAD = "/api/tracking/lead"


async def _connected(http: aiohttp.ClientSession, **program: object) -> tuple[Seller, str]:
    s = await seller(http, **program)
    return s, await connect_stripe(http, s.org)


async def _assign(http: aiohttp.ClientSession, s: Seller, code: str,
                  affiliate_id: str | None = None) -> None:
    path = f"/api/v1/affiliates/{affiliate_id or s.affiliate['id']}/coupon-codes"
    async with http.post(path, json={"code": code}, headers=s.org.auth) as response:
        assert response.status == 201, await response.text()


async def test_a_coupon_credits_the_subscriptions_first_invoice(
        http: aiohttp.ClientSession, stack: object) -> None:
    s, secret = await _connected(http)
    await _assign(http, s, "SARAH20")
    subscription, customer = sid("sub"), sid("cus")
    paid = invoice(total=8800, tax=800, subscription=subscription, customer=customer,
                   coupon="sarah20")
    await send_stripe(http, s.org, secret, "invoice.paid", paid)
    [booked] = await conversions(http, s.org, paid["id"])
    assert (booked["affiliateId"], booked["attributionMethod"], booked["couponCode"],
            booked["amountCents"], booked["currency"], booked["type"],
            booked["stripeSubscriptionId"], booked["stripeCustomerId"]) == (
        s.affiliate["id"], "coupon", "sarah20", 8000, "USD", "Recurring", subscription,
        customer)
    assert booked["commissionCents"] == 8000 * s.program["defaultCommissionValue"] // 100


async def test_checkout_metadata_then_the_known_customer(http: aiohttp.ClientSession,
                                                         stack: object) -> None:
    s, secret = await _connected(http)
    customer = sid("cus")
    first = checkout(total=5000, customer=customer, ref=s.slug.upper())
    await send_stripe(http, s.org, secret, "checkout.session.completed", first)
    [booked] = await conversions(http, s.org, first["payment_intent"])
    assert (booked["attributionMethod"], booked["type"], booked["amountCents"],
            booked["couponCode"], booked["stripeCustomerId"]) == (
        "metadata_or_customer", "OneTime", 5000, None, customer)

    # The same customer buys again without any referral: the customer is known.
    again = checkout(total=3000, customer=customer)
    await send_stripe(http, s.org, secret, "checkout.session.completed", again)
    [repeat] = await conversions(http, s.org, again["payment_intent"])
    assert (repeat["affiliateId"], repeat["attributionMethod"]) == (
        s.affiliate["id"], "metadata_or_customer")


async def test_client_reference_id_and_email_match(http: aiohttp.ClientSession,
                                                   stack: object) -> None:
    s, secret = await _connected(http)
    by_reference = checkout(total=2000, client_reference_id=s.slug)
    await send_stripe(http, s.org, secret, "checkout.session.completed", by_reference)
    [booked] = await conversions(http, s.org, by_reference["payment_intent"])
    assert booked["attributionMethod"] == "metadata_or_customer"

    signup = lead(s.slug)
    status, answer = await post_signed(http, s.org, signup, LEAD)
    assert status == 200, answer
    by_email = checkout(total=2500, email=signup["email"].upper())
    await send_stripe(http, s.org, secret, "checkout.session.completed", by_email)
    [matched] = await conversions(http, s.org, by_email["payment_intent"])
    assert (matched["affiliateId"], matched["attributionMethod"]) == (
        s.affiliate["id"], "email_match")


async def test_a_coupon_wins_over_metadata(http: aiohttp.ClientSession, stack: object) -> None:
    s, secret = await _connected(http)
    other = await _other_affiliate(http, s)
    await _assign(http, s, "WINNER", affiliate_id=other)
    paid = checkout(total=4000, ref=s.slug,
                    discounts=[{"coupon": "winner", "promotion_code": None}])
    await send_stripe(http, s.org, secret, "checkout.session.completed", paid)
    [booked] = await conversions(http, s.org, paid["payment_intent"])
    assert (booked["affiliateId"], booked["attributionMethod"]) == (other, "coupon")


async def _other_affiliate(http: aiohttp.ClientSession, s: Seller) -> str:
    made = await create_affiliate(http, s.org, s.program["id"])
    return str(made["id"])


async def test_unattributed_payments_are_kept_and_book_nothing(http: aiohttp.ClientSession,
                                                               stack: object) -> None:
    s, secret = await _connected(http)
    paid = invoice(total=9900, coupon="NOBODYS")
    event = await send_stripe(http, s.org, secret, "invoice.paid", paid)
    assert await processed(s.org, event) == "unattributed"
    [kept] = await tracking_sql("SELECT payload->'data'->'object'->>'id' AS invoice FROM "
                                "provider_events WHERE org_id = $1 AND event_id = $2",
                                uuid.UUID(s.org.org_id), event)
    assert kept["invoice"] == paid["id"]
    assert await sale_rows(s.org) == []


async def test_invoice_paid_before_its_checkout_books_the_payment_once(
        http: aiohttp.ClientSession, stack: object) -> None:
    s, secret = await _connected(http)
    subscription, customer = sid("sub"), sid("cus")
    paid = invoice(total=6000, subscription=subscription, customer=customer)
    session = checkout(total=6000, customer=customer, mode="subscription", ref=s.slug,
                       invoice_id=paid["id"], subscription=subscription)
    # The invoice first: nothing credits it yet (no coupon, an unknown customer).
    first = await send_stripe(http, s.org, secret, "invoice.paid", paid)
    assert await processed(s.org, first) == "unattributed"
    await send_stripe(http, s.org, secret, "checkout.session.completed", session)
    [booked] = await conversions(http, s.org, paid["id"])
    assert (booked["attributionMethod"], booked["amountCents"]) == ("metadata_or_customer", 6000)
    # Stripe's second event for the same payment, and a replay, book nothing more.
    again = await send_stripe(http, s.org, secret, "invoice.payment_succeeded", paid)
    assert await processed(s.org, again) == "duplicate"
    assert len(await sale_rows(s.org)) == 1


async def test_a_checkout_and_its_invoice_at_once_book_one_sale(http: aiohttp.ClientSession,
                                                                stack: object) -> None:
    s, secret = await _connected(http)
    await _assign(http, s, "BOTH")
    subscription, customer = sid("sub"), sid("cus")
    paid = invoice(total=7000, subscription=subscription, customer=customer, coupon="BOTH")
    session = checkout(total=7000, customer=customer, mode="subscription", ref=s.slug,
                       invoice_id=paid["id"], subscription=subscription)
    outcomes = await asyncio.gather(
        send_stripe(http, s.org, secret, "checkout.session.completed", session),
        send_stripe(http, s.org, secret, "invoice.paid", paid),
        send_stripe(http, s.org, secret, "invoice.payment_succeeded", paid))
    assert sorted([await processed(s.org, e) for e in outcomes]) == [
        "booked", "duplicate", "duplicate"]
    assert len(await conversions(http, s.org, paid["id"])) == 1


async def test_the_same_event_twice_changes_nothing(http: aiohttp.ClientSession,
                                                    stack: object) -> None:
    s, secret = await _connected(http)
    paid = checkout(total=1500, ref=s.slug)
    body = stripe_body("checkout.session.completed", paid)
    answers = [await post_event(http, "stripe", s.org.handle, body,
                                stripe_signature(body, secret)) for _ in range(2)]
    assert [a[1]["duplicate"] for a in answers] == [False, True]
    await conversions(http, s.org, paid["payment_intent"])
    assert len(await sale_rows(s.org)) == 1


async def test_renewals_earn_within_recurring_months(http: aiohttp.ClientSession,
                                                     stack: object) -> None:
    s, secret = await _connected(http, recurringMonths=2)
    await _assign(http, s, "RENEW")
    subscription, customer = sid("sub"), sid("cus")
    first = invoice(total=1000, subscription=subscription, customer=customer, coupon="RENEW")
    await send_stripe(http, s.org, secret, "invoice.paid", first)
    renewals = []
    for _ in range(3):  # sent one by one: renewals are numbered in booking order
        paid = invoice(total=1000, subscription=subscription, customer=customer,
                       reason="subscription_cycle")
        await send_stripe(http, s.org, secret, "invoice.paid", paid)
        [booked] = await conversions(http, s.org, paid["id"])
        renewals.append(booked)
    rate = s.program["defaultCommissionValue"]
    assert [(r["type"], r["attributionMethod"], r["commissionCents"]) for r in renewals] == [
        ("Recurring", "subscription", 1000 * rate // 100),
        ("Recurring", "subscription", 1000 * rate // 100),
        ("Recurring", "subscription", 0)]


async def test_one_orgs_codes_and_customers_do_not_credit_another(
        http: aiohttp.ClientSession, stack: object) -> None:
    s, _ = await _connected(http)
    await _assign(http, s, "MINEONLY")
    customer = sid("cus")
    other: Org = await new_org()
    other_secret = await connect_stripe(http, other)
    theirs = invoice(total=5000, customer=customer, coupon="MINEONLY")
    event = await send_stripe(http, other, other_secret, "invoice.paid", theirs)
    assert await processed(other, event) == "unattributed"
    foreign_ref = checkout(total=5000, ref=s.slug)
    event = await send_stripe(http, other, other_secret, "checkout.session.completed",
                              foreign_ref)
    assert await processed(other, event) == "unattributed"
    assert await sale_rows(other) == []


async def test_a_promotion_codes_metadata_names_the_affiliate(http: aiohttp.ClientSession,
                                                              stack: object) -> None:
    s, secret = await _connected(http)
    other = await _other_affiliate(http, s)
    promotion = {"id": sid("promo"), "object": "promotion_code", "code": "UNASSIGNED5",
                 "metadata": {"rekomi_affiliate_id": other}}
    paid = checkout(total=4000, total_details={
        "amount_discount": 500, "amount_tax": 0,
        "breakdown": {"discounts": [{"amount": 500, "discount": {
            "coupon": {"id": "five"}, "promotion_code": promotion}}]}})
    await send_stripe(http, s.org, secret, "checkout.session.completed", paid)
    [booked] = await conversions(http, s.org, paid["payment_intent"])
    assert (booked["affiliateId"], booked["attributionMethod"]) == (other, "coupon")

    # Another org's affiliate id in the metadata credits nobody here.
    foreign = await seller(http)
    promotion["metadata"] = {"rekomi_affiliate_id": foreign.affiliate["id"]}
    again = checkout(total=4000, total_details=paid["total_details"])
    event = await send_stripe(http, s.org, secret, "checkout.session.completed", again)
    assert await processed(s.org, event) == "unattributed"


async def test_the_loaders_whole_referral_credits_and_names_the_click(
        http: aiohttp.ClientSession, stack: object) -> None:
    s, secret = await _connected(http)
    await indexed(s.slug)  # the link index learns the new affiliate's link from the bus
    cookie = (await post_click(http, {
        "landingUrl": f"https://brand.example/?via={s.slug}", "programId": s.program["id"],
        "referrer": "https://news.example/post"}))["cookie"]
    await click_rows(s.slug, 1)  # clicks are written in batches
    paid = checkout(total=3000, client_reference_id=cookie)
    await send_stripe(http, s.org, secret, "checkout.session.completed", paid)
    [booked] = await conversions(http, s.org, paid["payment_intent"])
    assert (booked["affiliateId"], booked["attributionMethod"]) == (
        s.affiliate["id"], "metadata_or_customer")
    [origin] = await ledger_sql("SELECT referrer_host FROM conversion_origins "
                                "WHERE conversion_id = $1", uuid.UUID(booked["id"]))
    assert origin["referrer_host"] == "news.example"
