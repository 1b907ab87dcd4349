"""S2S sales over HTTP: signed requests, dedupe (concurrent copies included), the gates, the
error envelopes, commissions and sub-affiliate overrides, and ``conversion.created``."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import aiohttp

from libs.shared import jsonutil
from libs.shared.db import connect
from libs.shared.settings import Settings
from services.gateway.adapters.orgs_repository import OrgsRepository
from services.gateway.domain.plans import SubscriptionStatus, Tier
from tests.common.affiliates_api import create_affiliate, get_page
from tests.common.api import expect_error
from tests.common.orgs import Org, new_org
from tests.common.s2s import (
    CONVERSIONS,
    S2S,
    get_conversion,
    post_signed,
    sale,
    seller,
    signed_headers,
)
from tests.common.stack import Stack
from tests.common.waiting import eventually

PLAN_EXTRA = frozenset({"required", "current", "trialing", "subscriptionStatus"})


async def test_a_sale_is_booked_once_with_its_commission(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    body = sale(s.slug)
    status, fresh = await post_signed(http, s.org, body)
    assert status == 200 and set(fresh) == {"ok", "conversionId"} and fresh["ok"] is True, fresh
    assert await post_signed(http, s.org, body, bearer=True) == (200, {
        "ok": True, "deduped": True, "conversionId": fresh["conversionId"]})
    got = await get_conversion(http, s.org, fresh["conversionId"])
    assert got["events"][0]["eventType"] == "initial" and len(got["events"]) == 1
    assert {k: got[k] for k in ("affiliateId", "programId", "amountCents", "currency",
                                "commissionCents", "status", "type", "externalEventId",
                                "attributionMethod", "couponCode", "refundedAt")} == {
        "affiliateId": s.affiliate["id"], "programId": s.program["id"], "amountCents": 9900,
        "currency": "USD", "commissionCents": 1980, "status": "Pending", "type": "OneTime",
        "externalEventId": body["externalEventId"], "attributionMethod": None,
        "couponCode": None, "refundedAt": None}


async def test_fixed_and_custom_commissions(http: aiohttp.ClientSession) -> None:
    s = await seller(http, defaultCommissionType="Fixed", defaultCommissionValue=12.5)
    _, fixed = await post_signed(http, s.org, sale(s.slug, currency="EUR"))
    assert (await get_conversion(http, s.org, fixed["conversionId"]))["commissionCents"] == 1250
    custom = await create_affiliate(http, s.org, s.program["id"],
                                    customCommissionType="Percentage",
                                    customCommissionValue=10)
    _, made = await post_signed(http, s.org, sale(custom["links"][0]["slug"], amountCents=1005))
    got = await get_conversion(http, s.org, made["conversionId"])
    assert got["commissionCents"] == 101  # 100.5 rounds half up


async def test_fifty_concurrent_copies_make_one_conversion(http: aiohttp.ClientSession
                                                           ) -> None:
    s = await seller(http)
    body = sale(s.slug)
    replies = await asyncio.gather(*(post_signed(http, s.org, body, wait=False)
                                     for _ in range(50)))
    assert all(status == 200 for status, _ in replies), replies
    fresh = [r for _, r in replies if not r.get("deduped")]
    assert len(fresh) == 1 and [r for _, r in replies].count(
        {"ok": True, "deduped": True, "conversionId": fresh[0]["conversionId"]}) == 49
    await get_conversion(http, s.org, fresh[0]["conversionId"])
    page = await get_page(http, s.org, CONVERSIONS, affiliateId=s.affiliate["id"])
    assert [c["id"] for c in page["items"]] == [fresh[0]["conversionId"]]


async def test_signature_and_key_failures_are_401(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    other = await new_org()
    body = sale(s.slug)
    raw = jsonutil.dumps(body)
    cases: list[tuple[dict[str, str], str]] = [
        ({**signed_headers(s.org, raw), "X-Rekomi-Signature": "t=1,sig=00"}, "signature_expired"),
        (signed_headers(s.org, raw, secret=other.signing_secret), "invalid_signature"),
        (signed_headers(s.org, raw, at=int(time.time()) - 301), "signature_expired"),
        (signed_headers(s.org, raw, at=int(time.time()) + 301), "signature_expired"),
        ({k: v for k, v in signed_headers(s.org, raw).items() if k != "X-Rekomi-Signature"},
         "invalid_signature"),
        ({**signed_headers(s.org, raw), "X-Rekomi-Signature": "garbage"}, "invalid_signature"),
        ({**signed_headers(s.org, raw), "X-Rekomi-Api-Key": "rk_live_" + "x" * 32},
         "unauthorized"),
        ({**signed_headers(s.org, raw), "X-Rekomi-Api-Key": other.api_key},
         "invalid_signature"),
    ]
    for headers, code in cases:
        async with http.post(S2S, data=raw, headers=headers) as response:
            field = None if code == "unauthorized" else "X-Rekomi-Signature"
            await expect_error(response, 401, code, field)
    # A body altered after signing fails too.
    headers = signed_headers(s.org, raw)
    async with http.post(S2S, data=raw.replace(b"9900", b"9999"), headers=headers) as response:
        await expect_error(response, 401, "invalid_signature", "X-Rekomi-Signature")
    page = await get_page(http, s.org, CONVERSIONS)
    assert page["items"] == []


async def test_replayed_request_is_deduped_then_refused_when_stale(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    raw = jsonutil.dumps(sale(s.slug))
    headers = signed_headers(s.org, raw, at=int(time.time()) - 200)
    for expected in ("conversionId", "deduped"):  # captured and replayed within the window
        async with http.post(S2S, data=raw, headers=headers) as response:
            assert response.status == 200 and expected in await response.json()
    stale = signed_headers(s.org, raw, at=int(time.time()) - 400)
    async with http.post(S2S, data=raw, headers=stale) as response:
        await expect_error(response, 401, "signature_expired", "X-Rekomi-Signature")


async def test_slugs_currencies_and_bodies(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    theirs = await seller(http)
    for slug in (theirs.slug, "no-such-slug-anywhere"):
        status, body = await post_signed(http, s.org, sale(slug))
        assert (status, body["error"], body["field"]) == (404, "affiliate_slug_not_found",
                                                          "affiliateSlug"), body
    status, body = await post_signed(http, s.org, sale(s.slug, currency="XYZ"))
    assert (status, body["error"], body["field"]) == (400, "unsupported_currency", "currency")
    for bad, field in (({"amountCents": -1}, "amountCents"), ({"amountCents": "99"},
                       "amountCents"), ({"externalEventId": ""}, "externalEventId"),
                       ({"surprise": 1}, "surprise")):
        status, body = await post_signed(http, s.org, sale(s.slug, **bad))
        assert (status, body["error"], body["field"]) == (400, "validation_failed", field), body
    status, body = await post_signed(http, s.org, [1, 2])
    assert status == 400 and body["error"] == "validation_failed"
    assert (await get_page(http, s.org, CONVERSIONS))["items"] == []


async def set_plan(org: Org, plan: str, status: str) -> None:
    conn = await connect(Settings().database_url, "gateway")
    try:
        await OrgsRepository(conn).set_plan(uuid.UUID(org.org_id), Tier(plan),
                                            SubscriptionStatus(status))
    finally:
        await conn.close()


async def test_subscription_gate(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    await set_plan(s.org, "Pro", "None")

    async def refused() -> dict[str, Any] | None:  # replicas drop cached plans on NOTIFY
        status, body = await post_signed(http, s.org, sale(s.slug))
        return body if status == 402 else None

    body = await eventually(refused, what="402 for an org without a subscription")
    assert body["error"] == "plan_tier_required" and body["field"] is None, body
    assert set(body) == {"error", "message", "field"} | PLAN_EXTRA
    assert body["subscriptionStatus"] == "None"
    await set_plan(s.org, "Trial", "Trialing")  # a trial passes whatever its tier

    async def accepted() -> dict[str, Any] | None:  # a Trial org cannot read conversions
        status, body = await post_signed(http, s.org, sale(s.slug), wait=False)
        return body if status == 200 else None

    made = await eventually(accepted, what="a trial accepted")
    await set_plan(s.org, "Pro", "Active")

    async def listed() -> bool | None:
        # The sale was answered before the ledger booked it (wait=False), and the plan change
        # reaches the gateway's cache by NOTIFY: poll until the list holds it, not just until
        # the list answers.
        async with http.get(CONVERSIONS, headers=s.org.auth) as response:
            page = await response.json()
        ok = response.status == 200 and made["conversionId"] in [c["id"] for c in page["items"]]
        return True if ok else None

    assert await eventually(listed, what="the trial's conversion listed")


async def test_override_for_the_recruiter(http: aiohttp.ClientSession, stack: Stack) -> None:
    s = await seller(http)
    config = f"/api/v1/programs/{s.program['id']}/sub-affiliate-config"
    async with http.put(config, json={"enabled": True, "percent": 10},
                        headers=s.org.auth) as response:
        assert response.status == 200, await response.text()
    email = f"recruit-{uuid.uuid4().hex[:8]}@example.com"
    async with http.post(f"/api/p/id/{s.program['id']}/apply", json={
            "email": email, "recruitedByAffiliateId": s.affiliate["id"]}) as response:
        recruit = await response.json()
        assert response.status == 200, recruit
    _, fresh = await post_signed(http, s.org, sale(recruit["affiliateLinkSlug"]))
    await get_conversion(http, s.org, fresh["conversionId"])  # booked with its override
    page = await get_page(http, s.org, CONVERSIONS, affiliateId=s.affiliate["id"])
    [override] = page["items"]
    assert (override["amountCents"], override["commissionCents"],
            override["attributionMethod"], override["parentAffiliateConversionId"]) == (
        0, 198, "sub_affiliate_override", fresh["conversionId"])


async def test_conversion_created_is_published(http: aiohttp.ClientSession) -> None:
    from tests.common.events import EventRecorder
    from tests.common.s2s import CONVERSION_EVENT_KEYS
    events = await EventRecorder.start(CONVERSION_EVENT_KEYS)
    try:
        s = await seller(http)
        _, fresh = await post_signed(http, s.org, sale(s.slug))

        async def seen() -> dict[str, Any] | None:
            return next((e for e in events.bodies
                         if e["data"]["id"] == fresh["conversionId"]), None)

        event = await eventually(seen, what="conversion.created on the bus")
        assert event["type"] == "conversion.created" and event["data"]["commissionCents"] == 1980
    finally:
        await events.stop()
