"""The affiliate portal through the running gateway, with tokens of the test issuer: one person
who is an affiliate of two orgs sees both memberships, their recruiting link and recruits,
their payout details (masked, audited) and payouts, and nothing of another affiliate of the
same org; brand credentials (API keys, dashboard tokens) are refused on every portal route."""

from __future__ import annotations

import json
import uuid
from typing import Any

import aiohttp
import pytest

from services.gateway.domain.roles import Auth
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.routes import ROUTES
from tests.common.api import audit_page, expect_error
from tests.common.me_portal import ME, Member, me_call, portal
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org
from tests.common.payouts_api import approved_sale, payout_call, run
from tests.common.tracking_api import indexed
from tests.common.waiting import eventually
from tests.e2e.test_jwt_roles import route_id, url_of

PORTAL_ROUTES = [r for r in ROUTES if r.auth is Auth.AFFILIATE_JWT]
DETAILS = f"{ME}/payout-details"


def test_the_portal_has_its_routes() -> None:
    assert {f"{r.method} {r.path}" for r in PORTAL_ROUTES} == {
        "GET /api/v1/me/memberships", "GET /api/v1/me/sub-affiliate/link",
        "GET /api/v1/me/sub-affiliate/recruits", "GET /api/v1/me/payout-details",
        "PUT /api/v1/me/payout-details", "GET /api/v1/me/payouts",
        "GET /api/me/insights/{module}"}


@pytest.mark.parametrize("route", PORTAL_ROUTES, ids=route_id)
async def test_brand_credentials_get_an_empty_403(http: aiohttp.ClientSession, org: Org,
                                                  issuer: TestIssuer, route: Route) -> None:
    body: dict[str, Any] | None = {} if route.body is not None else None
    for headers in (org.auth, issuer.operator_auth(org.org_id, "Owner")):
        async with http.request(route.method, url_of(route), json=body,
                                headers=headers) as response:
            assert (response.status, await response.read()) == (403, b""), headers


def _membership(m: Member) -> tuple[Any, ...]:
    return (m.id, m.email, "Approved", {"id": m.org.org_id, "name": f"Brand {m.org.handle}",
                                        "handle": m.org.handle},
            {"id": m.program["id"], "name": m.program["name"], "slug": m.program["slug"]},
            [m.slug], [])


async def test_memberships_in_two_orgs_and_no_one_elses(
        http: aiohttp.ClientSession, org: Org, other_org: Org, issuer: TestIssuer) -> None:
    p = await portal(http, org, other_org)
    body = await me_call(http, issuer.affiliate_auth(p.a.email), f"{ME}/memberships")
    assert [(m["affiliateId"], m["email"], m["status"], m["organization"], m["program"],
             [link["slug"] for link in m["links"]], m["balances"])
            for m in body["items"]] == [_membership(p.a), _membership(p.b)]
    assert body["items"][0]["links"][0]["url"].endswith(f"/r/{p.a.slug}")
    sam = await me_call(http, issuer.affiliate_auth(p.sam.email), f"{ME}/memberships")
    assert [m["affiliateId"] for m in sam["items"]] == [p.sam.id]


async def test_the_recruiting_link_and_recruits(http: aiohttp.ClientSession, org: Org,
                                                other_org: Org, issuer: TestIssuer) -> None:
    p = await portal(http, org, other_org)
    pat = issuer.affiliate_auth(p.a.email)
    link = f"{ME}/sub-affiliate/link"
    assert await me_call(http, pat, link, programId=p.a.program["id"]) == {
        "affiliateId": p.a.id, "programId": p.a.program["id"],
        "programSlug": p.a.program["slug"],
        "url": f"https://{org.handle}.rekomi.com/{p.a.program['slug']}"
               f"?recruited_by={p.a.id}"}
    async with http.get(link, params={"programId": p.b.program["id"]}, headers=pat) as r:
        await expect_error(r, 400, "sub_affiliate_recruiting_disabled", "programId")
    async with http.get(link, params={"programId": str(uuid.uuid4())}, headers=pat) as r:
        await expect_error(r, 404, "program_not_found", "programId")
    async with http.get(link, headers=pat) as r:
        await expect_error(r, 400, "validation_failed", "programId")

    recruits = f"{ME}/sub-affiliate/recruits"
    mine = await me_call(http, pat, recruits)
    assert [(r["affiliateId"], r["fullName"], r["status"], r["totalCommissionGeneratedCents"],
             r["overrideEarnedCents"], r["currency"]) for r in mine["items"]] == [
        (p.recruits[p.a.id], "Recruited Person", "Approved", 0, 0, "USD")]
    assert mine["nextCursor"] is None
    assert (await me_call(http, pat, recruits, programId=p.b.program["id"]))["items"] == []
    async with http.get(recruits, params={"programId": str(uuid.uuid4())}, headers=pat) as r:
        await expect_error(r, 404, "program_not_found", "programId")
    # Sam's recruit is Sam's: each sees their own only.
    sam = await me_call(http, issuer.affiliate_auth(p.sam.email), recruits)
    assert [r["affiliateId"] for r in sam["items"]] == [p.recruits[p.sam.id]]


def _details(answer: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {d["affiliateId"]: (d["orgId"], d["stripeAccountId"], d["paypalEmail"],
                               d["wiseRecipientId"]) for d in answer["items"]}


async def test_payout_details_are_validated_masked_and_audited(
        http: aiohttp.ClientSession, org: Org, other_org: Org, issuer: TestIssuer) -> None:
    p = await portal(http, org, other_org)
    sub = f"user_pat_{uuid.uuid4().hex[:8]}"
    pat = {"Authorization": f"Bearer {issuer.affiliate_token(p.a.email, sub=sub)}"}
    a, b = (p.a.id, p.a.org.org_id), (p.b.id, p.b.org.org_id)
    assert _details(await me_call(http, pat, DETAILS)) == {
        a[0]: (a[1], None, None, None), b[0]: (b[1], None, None, None)}
    # Every membership at once, then one of them; null clears a key, the others stay.
    both = await me_call(http, pat, DETAILS, method="PUT",
                         body={"paypalEmail": "pat.pay@example.com"})
    assert _details(both) == {a[0]: (a[1], None, "p***@example.com", None),
                              b[0]: (b[1], None, "p***@example.com", None)}
    one = await me_call(http, pat, DETAILS, method="PUT", body={
        "affiliateId": b[0], "stripeAccountId": "acct_1Ab2Cd3Ef", "wiseRecipientId": "12345678",
        "paypalEmail": None})
    assert _details(one) == {b[0]: (b[1], "acct_****d3Ef", None, "****5678")}
    shown = await me_call(http, pat, DETAILS)
    assert _details(shown) == {a[0]: (a[1], None, "p***@example.com", None),
                               b[0]: (b[1], "acct_****d3Ef", None, "****5678")}
    assert not [v for v in ("pat.pay", "1Ab2Cd3Ef", "12345678") if v in json.dumps(shown)]

    for body, field in (({"paypalEmail": "nope"}, "paypalEmail"),
                        ({"stripeAccountId": "acct_!"}, "stripeAccountId"),
                        ({"wiseRecipientId": "12ab"}, "wiseRecipientId"),
                        ({"iban": "DE00"}, "iban")):
        async with http.put(DETAILS, json=body, headers=pat) as r:
            await expect_error(r, 400, "validation_failed", field)
    for other in (p.sam.id, str(uuid.uuid4())):  # another affiliate's id, or nobody's
        async with http.put(DETAILS, json={"affiliateId": other, "wiseRecipientId": "1"},
                            headers=pat) as r:
            await expect_error(r, 404, "affiliate_not_found", "affiliateId")
    sam = await me_call(http, issuer.affiliate_auth(p.sam.email), DETAILS)
    assert _details(sam) == {p.sam.id: (org.org_id, None, None, None)}

    # Audited in each membership's org as the affiliate (the token's subject), without values.
    owner = issuer.operator_auth(org.org_id, "Owner")

    async def logged() -> list[dict[str, Any]] | None:
        async with http.get("/api/v1/audit-log", headers=owner, params={
                "action": "affiliate.payout_details_changed"}) as r:
            items = [i for i in (await r.json())["items"] if i["entityId"] == p.a.id]
        return items or None

    [row] = await eventually(logged, what="org A's payout-details audit row")
    assert (row["actorType"], row["actorUserId"]) == ("user", sub)
    assert "pat.pay" not in json.dumps(row)
    page = await audit_page(http, other_org, action="affiliate.payout_details_changed")
    assert {i["entityId"] for i in page["items"]} <= {p.b.id}


async def test_payouts_received_across_memberships(
        http: aiohttp.ClientSession, org: Org, other_org: Org, issuer: TestIssuer) -> None:
    p = await portal(http, org, other_org)
    pat = issuer.affiliate_auth(p.a.email)
    assert (await me_call(http, pat, f"{ME}/payouts"))["items"] == []
    await indexed(p.a.slug)
    sold = await approved_sale(http, p.a)
    [paid] = await run(http, org, sold["commissionCents"])
    status, shown = await payout_call(http, org, f"/{paid['id']}", method="GET")
    assert status == 200
    mine = await me_call(http, pat, f"{ME}/payouts")
    assert (mine["items"], mine["nextCursor"], mine["hasMore"]) == ([shown], None, False)
    assert (await me_call(http, pat, f"{ME}/payouts", affiliateId=p.b.id))["items"] == []
    async with http.get(f"{ME}/payouts", params={"affiliateId": p.sam.id},
                        headers=pat) as r:
        await expect_error(r, 404, "affiliate_not_found", "affiliateId")
    sam = issuer.affiliate_auth(p.sam.email)
    assert (await me_call(http, sam, f"{ME}/payouts"))["items"] == []
