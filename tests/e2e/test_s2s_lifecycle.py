"""The S2S lifecycle over HTTP: refunds (with the recruiter's override and a Paid claw-back),
subscription renewals under a program's recurring cap and delay, e-mail matching against leads,
and tenant isolation of each. Tracking answers once it accepted an event; the ledger books it
from the bus, so reads poll until the booking shows."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp

from libs.shared.db import connect
from libs.shared.settings import Settings
from tests.common.affiliates_api import call, create_affiliate, get_page
from tests.common.events import EventRecorder
from tests.common.s2s import (
    CONVERSION_EVENT_KEYS,
    CONVERSIONS,
    LEAD,
    SIGNUP,
    Seller,
    get_conversion,
    lead,
    post_signed,
    recruited,
    renew,
    sale,
    seller,
    set_paid,
    subscribe,
    timeline,
)
from tests.common.waiting import eventually


def refund_of(sale_event_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"eventType": "refund", "refundOf": sale_event_id,
                            "externalEventId": f"refund_{uuid.uuid4().hex}"}
    body.update(overrides)
    return body


async def refunded(http: aiohttp.ClientSession, s: Seller, conversion_id: str
                   ) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        got = await get_conversion(http, s.org, conversion_id)
        return got if got["status"] == "Refunded" else None

    return await eventually(probe, what=f"conversion {conversion_id} refunded")


async def drained(http: aiohttp.ClientSession, s: Seller) -> str:
    """A fresh sale, once booked. The test stack runs one ledger, which takes its queue in
    order, so whatever tracking accepted before this sale has been booked by now: the way to
    see that an event booked *nothing*. Returns the sale's conversion id."""
    _, made = await post_signed(http, s.org, sale(s.slug))
    return str(made["conversionId"])


async def rows_of(http: aiohttp.ClientSession, s: Seller, affiliate_id: str
                  ) -> list[dict[str, Any]]:
    page = await get_page(http, s.org, CONVERSIONS, affiliateId=affiliate_id, take="200")
    items: list[dict[str, Any]] = page["items"]
    return items


async def error_of(http: aiohttp.ClientSession, s: Seller, body: Any,
                   path: str = "/api/tracking/s2s") -> tuple[int, str, str | None]:
    status, answer = await post_signed(http, s.org, body, path)
    assert set(answer) == {"error", "message", "field"}, answer
    return status, answer["error"], answer["field"]


# ---- refunds ------------------------------------------------------------------------------------
async def test_a_refund_refunds_its_sale_once(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    events = await EventRecorder.start(CONVERSION_EVENT_KEYS)
    try:
        sold = sale(s.slug)
        _, made = await post_signed(http, s.org, sold)
        first = refund_of(sold["externalEventId"])
        status, answer = await post_signed(http, s.org, first)
        assert (status, answer) == (200, {"ok": True, "conversionId": made["conversionId"]})
        got = await refunded(http, s, made["conversionId"])
        assert got["refundedAt"] is not None and got["commissionCents"] == 1980, got
        assert await timeline(http, s, made["conversionId"], 2) == [
            ("initial", 9900, 1980), ("refund", -9900, -1980)]
        assert await post_signed(http, s.org, first) == (200, {
            "ok": True, "deduped": True, "conversionId": made["conversionId"]})
        # A second refund under a new id is accepted but books nothing: refunds are whole.
        status, again = await post_signed(http, s.org, refund_of(sold["externalEventId"]))
        assert (status, again) == (200, {"ok": True, "conversionId": made["conversionId"]})
        barrier = await drained(http, s)

        async def published() -> list[dict[str, Any]] | None:
            seen = [e for e in events.bodies if e["orgId"] == s.org.org_id]
            return seen if any(e["data"]["id"] == barrier for e in seen) else None

        seen = await eventually(published, what="the barrier's conversion.created")
        assert [(e["type"], e["data"]["id"]) for e in seen] == [
            ("conversion.created", made["conversionId"]),
            ("conversion.refunded", made["conversionId"]),
            ("conversion.created", barrier)]
        assert seen[1]["data"]["status"] == "Refunded"
        assert seen[1]["data"]["refundedAt"] == got["refundedAt"]
        again_got = await get_conversion(http, s.org, made["conversionId"])
        assert again_got["refundedAt"] == got["refundedAt"]
        assert len(again_got["events"]) == 2
        page = await get_page(http, s.org, CONVERSIONS, status="Refunded")
        assert [c["id"] for c in page["items"]] == [made["conversionId"]]
    finally:
        await events.stop()


async def test_refund_errors_and_isolation(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    theirs = await seller(http)
    sold = sale(theirs.slug)
    _, made = await post_signed(http, theirs.org, sold)
    not_found = (404, "sale_not_found", "refundOf")
    assert await error_of(http, s, refund_of("never_sold")) == not_found
    # Another org's sale is unknown here, under its id and under its conversion id.
    assert await error_of(http, s, refund_of(sold["externalEventId"])) == not_found
    assert await error_of(http, s, refund_of(made["conversionId"])) == not_found
    async with http.get(f"{CONVERSIONS}/{made['conversionId']}", headers=s.org.auth) as response:
        assert response.status == 404
    # A refund names a sale, not another refund.
    first = refund_of(sold["externalEventId"])
    await post_signed(http, theirs.org, first)
    assert await error_of(http, theirs, refund_of(first["externalEventId"])) == not_found
    missing = {k: v for k, v in refund_of("x").items() if k != "refundOf"}
    assert await error_of(http, s, missing) == (400, "validation_failed", "refundOf")
    assert await error_of(http, s, refund_of("")) == (400, "validation_failed", "refundOf")
    assert (await get_page(http, s.org, CONVERSIONS))["items"] == []
    # The owner's sale was refunded by its own refund only, once.
    got = await refunded(http, theirs, made["conversionId"])
    assert [e["eventType"] for e in got["events"]] == ["initial", "refund"]


async def adjustments(org_id: str) -> list[tuple[str, str, int, str, str]]:
    conn = await connect(Settings().database_url, "ledger")
    try:
        rows = await conn.fetch(
            "SELECT affiliate_id, currency, amount_cents, conversion_id, reason "
            "FROM balance_adjustments WHERE org_id = $1 AND settled_payout_id IS NULL "
            "ORDER BY created_at", uuid.UUID(org_id))
    finally:
        await conn.close()
    return [(str(r["affiliate_id"]), r["currency"], r["amount_cents"],
             str(r["conversion_id"]), r["reason"]) for r in rows]


async def test_refund_follows_the_override_and_claws_back_paid(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    recruit = await recruited(http, s)
    sold = sale(recruit["affiliateLinkSlug"], currency="EUR")
    _, made = await post_signed(http, s.org, sold)
    [override] = await rows_of(http, s, s.affiliate["id"])
    assert override["parentAffiliateConversionId"] == made["conversionId"]
    await set_paid(made["conversionId"])  # the recruit was paid; the override was not
    events = await EventRecorder.start(("conversion.refunded",))
    try:
        _, answer = await post_signed(http, s.org, refund_of(sold["externalEventId"]))
        assert answer == {"ok": True, "conversionId": made["conversionId"]}
        got = await refunded(http, s, made["conversionId"])
        parent_override = await refunded(http, s, override["id"])
        assert parent_override["refundedAt"] == got["refundedAt"]

        async def both() -> set[str] | None:
            ids = {e["data"]["id"] for e in events.bodies if e["orgId"] == s.org.org_id}
            return ids if len(ids) == 2 else None

        assert await eventually(both, what="two conversion.refunded") == {
            made["conversionId"], override["id"]}
    finally:
        await events.stop()
    assert await timeline(http, s, override["id"], 2) == [("initial", 0, 198),
                                                           ("refund", 0, -198)]
    # Only the Paid row leaves money owed back, in its own currency.
    assert await adjustments(s.org.org_id) == [
        (got["affiliateId"], "EUR", -1980, made["conversionId"], "refund")]
    assert got["affiliateId"] != s.affiliate["id"]
    # Refunding again claws back nothing more.
    await post_signed(http, s.org, refund_of(sold["externalEventId"]))
    await drained(http, s)
    assert len(await adjustments(s.org.org_id)) == 1


# ---- renewals -----------------------------------------------------------------------------------


async def test_renewals_earn_within_the_cap_for_the_subscription_s_affiliate(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http, recurringMonths=2)
    other = await create_affiliate(http, s.org, s.program["id"])
    subscription, initial = await subscribe(http, s)
    first = await renew(http, s, subscription, initial, 5000)
    second = await renew(http, s, subscription, initial, 6000, slug=other["links"][0]["slug"])
    third = await renew(http, s, subscription, initial, 7000)  # beyond the cap: earns 0
    expected = [("initial", 10000, 2000), ("renewal", 5000, 1000), ("renewal", 6000, 1200),
                ("renewal", 7000, 0)]
    assert await timeline(http, s, initial, 4) == expected
    # A renewal's timeline is its own, not its subscription's.
    assert await timeline(http, s, first["conversionId"], 1) == [expected[1]]
    assert await timeline(http, s, third["conversionId"], 1) == [expected[3]]
    rows = {c["id"]: c for c in await rows_of(http, s, s.affiliate["id"])}
    assert set(rows) == {initial, first["conversionId"], second["conversionId"],
                         third["conversionId"]}
    assert (rows[third["conversionId"]]["amountCents"],
            rows[third["conversionId"]]["commissionCents"]) == (7000, 0)
    assert {(c["type"], c["stripeSubscriptionId"], c["status"]) for c in rows.values()} == {
        ("Recurring", subscription, "Pending")}
    assert [(rows[i]["amountCents"], rows[i]["commissionCents"], rows[i]["externalEventId"],
             rows[i]["attributionMethod"]) for i in (first["conversionId"],
                                                     second["conversionId"])] == [
        (5000, 1000, first["externalEventId"], "subscription"),
        # A slug was sent, so the reference's S2S value (null) although the subscription won.
        (6000, 1200, second["externalEventId"], None)]
    assert rows[initial]["attributionMethod"] is None
    assert await rows_of(http, s, other["id"]) == []


async def test_a_delay_skips_the_first_renewals_and_refunds_follow_them(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http, recurringDelayInvoices=1)  # lifetime after one unpaid renewal
    subscription, initial = await subscribe(http, s)
    first = await renew(http, s, subscription, initial, 5000)
    second = await renew(http, s, subscription, initial, 6000)
    third = await renew(http, s, subscription, initial, 7000)
    assert await timeline(http, s, initial, 4) == [
        ("initial", 10000, 2000), ("renewal", 5000, 0), ("renewal", 6000, 1200),
        ("renewal", 7000, 1400)]
    rows = await rows_of(http, s, s.affiliate["id"])
    assert sorted((c["id"], c["commissionCents"]) for c in rows) == sorted(
        [(initial, 2000), (first["conversionId"], 0), (second["conversionId"], 1200),
         (third["conversionId"], 1400)])
    # An earning renewal is refunded alone; the subscription's other sales stay as they are.
    _, answer = await post_signed(http, s.org, refund_of(second["externalEventId"]))
    assert answer == {"ok": True, "conversionId": second["conversionId"]}
    await refunded(http, s, second["conversionId"])
    assert (await timeline(http, s, initial, 5))[-1] == ("refund", -6000, -1200)
    statuses = {c["id"]: c["status"] for c in await rows_of(http, s, s.affiliate["id"])}
    assert statuses == {initial: "Pending", first["conversionId"]: "Pending",
                        second["conversionId"]: "Refunded", third["conversionId"]: "Pending"}


async def test_recurring_months_zero_pays_the_initial_sale_only(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http, recurringMonths=0)
    subscription, initial = await subscribe(http, s)
    first = await renew(http, s, subscription, initial, 5000)
    second = await renew(http, s, subscription, initial, 5000)
    assert await timeline(http, s, initial, 3) == [
        ("initial", 10000, 2000), ("renewal", 5000, 0), ("renewal", 5000, 0)]
    # The id tracking answered for a renewal that earns nothing resolves: its own row, 0.
    got = await get_conversion(http, s.org, first["conversionId"])
    assert (got["type"], got["status"], got["amountCents"], got["commissionCents"],
            got["externalEventId"], got["stripeSubscriptionId"]) == (
        "Recurring", "Pending", 5000, 0, first["externalEventId"], subscription)
    assert sorted(c["id"] for c in await rows_of(http, s, s.affiliate["id"])) == sorted(
        [initial, first["conversionId"], second["conversionId"]])
    # Refunding a renewal that earned nothing refunds its row and moves no money, once.
    status, answer = await post_signed(http, s.org, refund_of(first["externalEventId"]))
    assert (status, answer) == (200, {"ok": True, "conversionId": first["conversionId"]})
    gone = await refunded(http, s, first["conversionId"])
    assert gone["refundedAt"] is not None and gone["commissionCents"] == 0
    assert (await timeline(http, s, initial, 4))[-1] == ("refund", -5000, 0)
    await post_signed(http, s.org, refund_of(first["externalEventId"]))
    await drained(http, s)
    got = await get_conversion(http, s.org, initial)
    assert (got["status"], len(got["events"])) == ("Pending", 4)
    assert (await get_conversion(http, s.org, second["conversionId"]))["status"] == "Pending"
    assert await adjustments(s.org.org_id) == []


async def test_subscriptions_are_per_org(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    theirs = await seller(http)
    subscription, initial = await subscribe(http, theirs)
    renewal = {"externalEventId": uuid.uuid4().hex, "subscriptionId": subscription,
               "amountCents": 5000, "currency": "USD"}
    assert await error_of(http, s, renewal) == (404, "attribution_not_found", "affiliateSlug")
    # With a slug of its own it is this org's initial sale, not a renewal of theirs.
    _, ours = await post_signed(http, s.org, {**renewal, "affiliateSlug": s.slug})
    assert await timeline(http, s, ours["conversionId"], 1) == [("initial", 5000, 1000)]
    await drained(http, theirs)
    assert await timeline(http, theirs, initial, 1) == [("initial", 10000, 2000)]


# ---- e-mail match -------------------------------------------------------------------------------
async def test_a_lead_s_email_credits_a_later_sale(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    second_program = await seller(http, s.org)  # another program and affiliate of the org
    email = f"Jane.Doe.{uuid.uuid4().hex[:8]}@Example.COM"
    status, _ = await post_signed(http, s.org, lead(s.slug, email=email), LEAD)
    assert status == 200
    # A later lead of the same customer elsewhere in the org does not take the sale over.
    await post_signed(http, s.org, lead(second_program.slug, email=email.lower()), LEAD)
    body = {k: v for k, v in sale(s.slug, customerEmail=email.upper()).items()
            if k != "affiliateSlug"}
    _, made = await post_signed(http, s.org, body)
    got = await get_conversion(http, s.org, made["conversionId"])
    assert (got["affiliateId"], got["programId"], got["commissionCents"], got["type"],
            got["attributionMethod"]) == (s.affiliate["id"], s.program["id"], 1980,
                                          "OneTime", "email_match")
    # The browser's signup is a lead too; a subscription found by e-mail renews by itself.
    signup_email = f"visitor-{uuid.uuid4().hex[:8]}@example.com"
    async with http.post(SIGNUP, json={"slug": second_program.slug,
                                       "email": signup_email}) as response:
        assert response.status == 200
    subscription, initial = await subscribe(http, second_program, affiliateSlug=None,
                                            customerEmail=signup_email.upper())
    renewal = await renew(http, second_program, subscription, initial, 5000)
    rows = {c["id"]: c for c in await rows_of(http, s, second_program.affiliate["id"])
            if c["type"] == "Recurring"}
    assert {i: rows[i]["attributionMethod"] for i in rows} == {
        initial: "email_match", renewal["conversionId"]: "subscription"}
    # A slug, when sent, wins over the e-mail.
    _, named = await post_signed(http, s.org, sale(second_program.slug, customerEmail=email))
    got = await get_conversion(http, s.org, named["conversionId"])
    assert (got["affiliateId"], got["attributionMethod"]) == (
        second_program.affiliate["id"], None)


async def test_unmatched_sales_and_other_orgs_leads(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    theirs = await seller(http)
    email = f"shared-{uuid.uuid4().hex[:8]}@example.com"
    await post_signed(http, theirs.org, lead(theirs.slug, email=email), LEAD)
    slugless = {k: v for k, v in sale(s.slug).items() if k != "affiliateSlug"}
    for customer in (email, f"nobody-{uuid.uuid4().hex[:8]}@example.com"):
        assert await error_of(http, s, {**slugless, "customerEmail": customer}) == (
            404, "attribution_not_found", "affiliateSlug")
    assert await error_of(http, s, slugless) == (400, "validation_failed", "affiliateSlug")
    assert await error_of(http, s, {**slugless, "customerEmail": "not-an-email"}) == (
        400, "validation_failed", "customerEmail")
    assert (await get_page(http, s.org, CONVERSIONS))["items"] == []
    # The lead still credits its own org's sale.
    _, made = await post_signed(http, theirs.org, {**slugless, "customerEmail": email})
    got = await get_conversion(http, theirs.org, made["conversionId"])
    assert (got["affiliateId"], got["attributionMethod"]) == (theirs.affiliate["id"],
                                                              "email_match")


# A renewal stays with its subscription's affiliate whatever the request names: the slug of a
# renewal is not checked (the subscription's affiliate may be Paused by now).
async def test_a_renewal_naming_its_paused_affiliate_is_credited_like_one_without(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    subscription, initial = await subscribe(http, s)
    await call(http, "PATCH", f"/api/v1/affiliates/{s.affiliate['id']}", s.org,
               {"status": "Paused"})

    async def link_gone() -> bool | None:  # tracking's link index hears of the pause
        status, _ = await post_signed(http, s.org, sale(s.slug), wait=False)
        return True if status == 404 else None

    await eventually(link_gone, what="the paused affiliate's link refused")
    await renew(http, s, subscription, initial, 5000)  # without a slug: credited
    named = await renew(http, s, subscription, initial, 6000, slug=s.slug)
    assert named["conversionId"]
