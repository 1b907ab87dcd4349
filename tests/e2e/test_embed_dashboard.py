"""``GET /api/embed/public/dashboard`` through the running stack, as the embedding page's
browser calls it: every failure the reference lists, in its order, with CORS headers that name
the request's origin only when the token allows it; and the figures of an affiliate with sales
in every state, computed by hand."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.common.embed_api import DASHBOARD, ORIGIN, expire, mint, read
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org
from tests.common.payouts_api import approve, ledger_sql
from tests.common.s2s import post_signed, sale, seller, set_paid
from tests.common.waiting import eventually
from tests.e2e.test_s2s_lifecycle import refund_of

ACAO = "Access-Control-Allow-Origin"
ENVELOPE = {"error", "message", "field"}


def _refused(answer: tuple[int, Any, Any], status: int, code: str, *, cors: bool) -> None:
    got, body, headers = answer
    assert (got, body.get("error")) == (status, code), answer
    assert set(body) == ENVELOPE and body["message"], body
    assert headers.get(ACAO) == (ORIGIN if cors else None), dict(headers)
    assert headers["Vary"] == "Origin" and headers["Cache-Control"] == "no-store"


async def test_every_failure_in_the_reference_order(http: aiohttp.ClientSession,
                                                    org: Org) -> None:
    s = await seller(http, org)
    live = (await mint(http, org.auth, s.affiliate["id"]))["token"]

    async with http.get(DASHBOARD, headers={"Origin": ORIGIN}) as response:
        assert response.status == 400
        body = await response.json()
        assert (body["error"], body["field"]) == ("validation_failed", "token")
        assert ACAO not in response.headers
    for unknown in ("rk_embed_nope", live + "x", live[:-1]):
        status, body, headers = await read(http, unknown)
        assert (status, body) == (401, {}), unknown
        assert ACAO not in headers and headers["Vary"] == "Origin"

    # The origin checks, after the token's.
    _refused(await read(http, live, None), 403, "origin_required", cors=False)
    for bad in ("null", "", "https://yourapp.com/page", "yourapp.com", "https://*.yourapp.com"):
        _refused(await read(http, live, bad), 403, "origin_invalid", cors=False)
    for other in ("https://evil.com", "http://yourapp.com", "https://yourapp.com:8443",
                  "https://app.yourapp.com", "https://yourapp.com.evil.com"):
        _refused(await read(http, live, other), 403, "origin_not_allowed", cors=False)
    status, body, headers = await read(http, live)
    assert status == 200 and headers[ACAO] == ORIGIN and headers["Vary"] == "Origin"
    assert (await read(http, live, "https://YOURAPP.com:443"))[0] == 200  # the same origin

    # A token that lists no origin is refused everywhere, with or without an Origin.
    other_affiliate = await seller(http, org, name="second program")
    bare = (await mint(http, org.auth, other_affiliate.affiliate["id"],
                       allowedOrigins=""))["token"]
    _refused(await read(http, bare), 403, "no_allowed_origins_configured", cors=False)
    _refused(await read(http, bare, None), 403, "no_allowed_origins_configured", cors=False)

    # Past expiresAt: 401 token_expired, readable by the allowed page (CORS), from anywhere.
    third = await seller(http, org)
    expiring = await mint(http, org.auth, third.affiliate["id"])
    assert (await read(http, expiring["token"]))[0] == 200
    await expire(expiring["id"])

    async def expired() -> tuple[int, Any, Any] | None:
        answer = await read(http, expiring["token"])
        return answer if answer[0] == 401 else None

    _refused(await eventually(expired, what="the token read as expired"), 401, "token_expired",
             cors=True)
    _refused(await read(http, expiring["token"], None), 401, "token_expired", cors=False)


async def test_a_preflight_is_answered_for_allowed_origins_only(http: aiohttp.ClientSession,
                                                                org: Org) -> None:
    s = await seller(http, org)
    token = (await mint(http, org.auth, s.affiliate["id"]))["token"]
    for query, origin, allowed in (({"token": token}, ORIGIN, True),
                                   ({"token": token}, "https://evil.com", False),
                                   ({"token": "nope"}, ORIGIN, False), ({}, ORIGIN, False)):
        async with http.options(DASHBOARD, params=query, headers={
                "Origin": origin, "Access-Control-Request-Method": "GET"}) as response:
            assert response.status == 204
            assert response.headers.get(ACAO) == (origin if allowed else None)
            assert ("GET" in response.headers.get("Access-Control-Allow-Methods", "")) == allowed


async def test_the_figures_of_an_affiliate_with_sales_in_every_state(
        http: aiohttp.ClientSession, org: Org, issuer: TestIssuer) -> None:
    owner = issuer.operator_auth(org.org_id, "Owner")
    async with http.patch("/api/organizations/me", json={"primaryBrandColor": "#0e7c7b"},
                          headers=owner) as response:
        assert response.status == 200, await response.text()
    s = await seller(http, org, name="Default program")
    async with http.patch(f"/api/v1/affiliates/{s.affiliate['id']}",
                          json={"fullName": "Jane Doe"}, headers=org.auth) as response:
        assert response.status == 200, await response.text()
    token = (await mint(http, org.auth, s.affiliate["id"]))["token"]
    empty = (await read(http, token))[1]
    assert empty == {"affiliateName": "Jane Doe", "programName": "Default program",
                     "earnedCents": 0, "paidCents": 0, "pendingCents": 0, "currency": "USD",
                     "brandColor": "#0E7C7B", "brandName": f"Brand {org.handle}",
                     "recentConversions": []}

    # 20% commission: paid 2000; approved 1000 and pending 500 (+ 6 x 20) unpaid; a refunded
    # 1500 and a denied 800 count nowhere but are listed with their status.
    booked: dict[str, str] = {}
    for name, amount in (("paid", 10000), ("approved", 5000), ("pending", 2500),
                         ("refunded", 7500), ("denied", 4000)):
        body = sale(s.slug, amountCents=amount)
        status, made = await post_signed(http, org, body)
        assert status == 200, made
        booked[name] = made["conversionId"]
        if name == "refunded":
            assert (await post_signed(http, org, refund_of(body["externalEventId"])))[0] == 200
    await set_paid(booked["paid"])
    await approve(booked["approved"])
    await ledger_sql("UPDATE conversions SET status = 'Denied' WHERE id = $1::uuid",
                     booked["denied"])
    small = []
    for _ in range(6):
        status, made = await post_signed(http, org, sale(s.slug, amountCents=100))
        assert status == 200, made
        small.append(made["conversionId"])

    async def settled() -> dict[str, Any] | None:
        body = (await read(http, token))[1]
        statuses = {c["id"]: c["status"] for c in body["recentConversions"]}
        return body if statuses.get(booked["refunded"]) == "Refunded" else None

    body = await eventually(settled, what="the refund on the embedded dashboard")
    assert (body["paidCents"], body["pendingCents"], body["earnedCents"]) == (
        2000, 1000 + 500 + 6 * 20, 2000 + 1000 + 500 + 6 * 20)
    recent = body["recentConversions"]
    assert [c["id"] for c in recent] == [*reversed(small), booked["denied"], booked["refunded"],
                                         booked["pending"], booked["approved"]]
    assert [c["status"] for c in recent[6:]] == ["Denied", "Refunded", "Pending", "Approved"]
    assert recent[-1] | {"createdAt": None} == {
        "id": booked["approved"], "amountCents": 5000, "commissionCents": 1000,
        "currency": "USD", "status": "Approved", "createdAt": None}
