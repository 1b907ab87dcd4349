"""Leads over HTTP: the signed S2S lead and the browser's public signup, both booking a
LeadReward row (0/0 on CPS, the program's value on CPL) and ``lead.created``."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp

from libs.shared import jsonutil
from tests.common.affiliates_api import get_page
from tests.common.api import create_program
from tests.common.events import EventRecorder
from tests.common.orgs import new_org
from tests.common.s2s import (
    CONVERSION_EVENT_KEYS,
    CONVERSIONS,
    LEAD,
    SIGNUP,
    get_conversion,
    lead,
    post_signed,
    seller,
)
from tests.common.stack import Stack
from tests.common.storefront_api import client_from
from tests.common.waiting import eventually


async def test_s2s_lead_on_cps_is_zero_and_deduped(http: aiohttp.ClientSession) -> None:
    s = await seller(http, await new_org(currency="EUR"))
    body = lead(s.slug, externalEventId="signup_abc123")
    status, made = await post_signed(http, s.org, body, path=LEAD)
    assert status == 200 and set(made) == {"ok", "conversionId"}, made
    assert await post_signed(http, s.org, body, path=LEAD) == (200, {
        "ok": True, "deduped": True, "conversionId": made["conversionId"]})
    got = await get_conversion(http, s.org, made["conversionId"])
    assert (got["type"], got["amountCents"], got["commissionCents"], got["currency"],
            got["externalEventId"]) == ("LeadReward", 0, 0, "EUR", "signup_abc123")


async def test_s2s_lead_on_cpl_earns_the_program_value(http: aiohttp.ClientSession) -> None:
    s = await seller(http, defaultCommissionModel="Cpl", defaultCommissionType="Fixed",
                     defaultCommissionValue=2.5)
    events = await EventRecorder.start(CONVERSION_EVENT_KEYS)
    try:
        body = lead(s.slug)  # no externalEventId: one lead per e-mail and program
        _, made = await post_signed(http, s.org, body, path=LEAD)
        assert (await post_signed(http, s.org, body, path=LEAD))[1].get("deduped") is True
        got = await get_conversion(http, s.org, made["conversionId"])
        assert (got["amountCents"], got["commissionCents"]) == (0, 250)

        async def lead_event() -> dict[str, Any] | None:
            return next((e for e in events.bodies if e["type"] == "lead.created"
                         and e["data"]["id"] == made["conversionId"]), None)

        event = await eventually(lead_event, what="lead.created")
        assert event["data"]["email"] == body["email"]
        # A CPL program pays nothing on a sale.
        _, sold = await post_signed(http, s.org, {
            "externalEventId": uuid.uuid4().hex, "affiliateSlug": s.slug,
            "amountCents": 5000, "currency": "USD"})
        assert (await get_conversion(http, s.org, sold["conversionId"]))["commissionCents"] == 0
    finally:
        await events.stop()


async def test_s2s_lead_errors(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    theirs = await seller(http)
    status, body = await post_signed(http, s.org, lead(theirs.slug), path=LEAD)
    assert (status, body["error"]) == (404, "affiliate_slug_not_found")
    status, body = await post_signed(http, s.org, lead(s.slug, email="nope"), path=LEAD)
    assert (status, body["error"], body["field"]) == (400, "validation_failed", "email")
    another = await create_program(http, s.org)  # programId names the slug's program, or fails
    status, body = await post_signed(http, s.org, lead(s.slug, programId=another["id"]),
                                     path=LEAD)
    assert (status, body["error"], body["field"]) == (400, "validation_failed", "programId")
    status, body = await post_signed(http, s.org, lead(s.slug), path=LEAD,
                                     secret=theirs.org.signing_secret)
    assert (status, body["error"]) == (401, "invalid_signature")
    assert (await get_page(http, s.org, CONVERSIONS))["items"] == []


async def test_browser_signup_is_opaque_and_records_once(stack: Stack) -> None:
    async with client_from(stack.base_url) as http:
        s = await seller(http)
        email = f"visitor-{uuid.uuid4().hex[:8]}@example.com"
        bodies: list[Any] = [
            {"slug": s.slug, "email": email, "name": "Jane", "programId": s.program["id"]},
            {"slug": s.slug, "email": email},  # the same lead again
            {"slug": "no-such-slug-here", "email": email},
            {"slug": s.slug, "email": "not-an-email"},
            {"slug": s.slug, "email": email, "programId": str(uuid.uuid4())},
            [1], {},
        ]
        for body in bodies:
            async with http.post(SIGNUP, json=body,
                                 headers={"Origin": "https://brand.example"}) as response:
                assert response.status == 200, body
                assert await response.json() == {"ok": True}
                assert response.headers["Access-Control-Allow-Origin"] == "*"
        async with http.post(SIGNUP, data=b"{not json") as response:
            assert response.status == 200 and await response.json() == {"ok": True}

        async def items(count: int) -> list[dict[str, Any]] | None:
            page = await get_page(http, s.org, CONVERSIONS)
            return page["items"] if len(page["items"]) >= count else None

        [row] = await eventually(lambda: items(1), what="the lead booked")
        assert (row["type"], row["affiliateId"], row["commissionCents"]) == (
            "LeadReward", s.affiliate["id"], 0)
        # sendBeacon posts the same JSON as text/plain (no CORS preflight).
        beacon = jsonutil.dumps({"slug": s.slug, "email": f"b-{email}"})
        async with http.post(SIGNUP, data=beacon,
                             headers={"Content-Type": "text/plain"}) as response:
            assert response.status == 200
        assert len(await eventually(lambda: items(2), what="the beacon's lead")) == 2
