"""The affiliate's own insights (``GET /api/me/insights/{module}``) through the running gateway:
one person who is an affiliate of two orgs sees their figures in both (or one, with
``affiliateId``), JSON and CSV (the brand exports' formula-injection guard), never another
affiliate's; an unknown module is the gateway's 404 listing the eight modules."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp

from libs.contracts.my_insights import MyModule
from tests.common.api import expect_error
from tests.common.me_portal import Member, Portal, me_call, portal
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org
from tests.common.s2s import post_signed, sale
from tests.common.tracking_api import click_rows, indexed, post_click
from tests.common.waiting import eventually

INSIGHTS = "/api/me/insights"
# A sub-id (URL-unreserved characters) that a spreadsheet would read as a formula.
FORMULA = "-1.5"


async def _sell(http: aiohttp.ClientSession, m: Member, cents: int,
                referral: str | None = None) -> None:
    body = sale(m.slug, amountCents=cents)
    if referral is not None:
        body["referral"] = referral
    status, made = await post_signed(http, m.org, body)
    assert status == 200, made


async def seeded(http: aiohttp.ClientSession, org: Org, other: Org) -> Portal:
    """Pat: one click in org A (sub-id ``FORMULA``) and its sale, 100.00; a sale of 50.00 in
    org B. Sam (org A): a sale of 30.00. Programs pay 20%."""
    p = await portal(http, org, other)
    for m in (p.a, p.b, p.sam):
        await indexed(m.slug)
    click = await post_click(http, {
        "landingUrl": f"https://brand.example/?via={p.a.slug}&sub_id={FORMULA}",
        "programId": p.a.program["id"], "referrer": "https://youtube.com/watch?v=1"})
    await click_rows(p.a.slug, 1)
    await _sell(http, p.a, 10000, referral=str(click["cookie"]))
    await _sell(http, p.b, 5000)
    await _sell(http, p.sam, 3000)
    return p


async def _overview(http: aiohttp.ClientSession, headers: dict[str, str], **params: str
                    ) -> dict[str, Any]:
    async with http.get(f"{INSIGHTS}/overview", params=params, headers=headers) as response:
        found: dict[str, Any] = await response.json()
        assert response.status == 200, found
    return found


async def test_my_insights_across_memberships_json_and_csv(
        http: aiohttp.ClientSession, org: Org, other_org: Org, issuer: TestIssuer) -> None:
    p = await seeded(http, org, other_org)
    pat, sam = issuer.affiliate_auth(p.a.email), issuer.affiliate_auth(p.sam.email)

    async def settled() -> dict[str, Any] | None:
        found = await _overview(http, pat)
        return found if (found["clicks"], found["conversions"]) == (1, 2) else None

    overview = await eventually(settled, timeout=20, what="pat's figures in the rollups")
    assert (overview["commissionCents"], overview["commissionByCurrency"],
            overview["currency"]) == (3000, [{"currency": "USD", "commissionCents": 3000}],
                                      "USD")
    assert not {"aovCents", "grossRevenueCents", "homeCurrency"} & set(overview)
    # One membership in focus; another affiliate's id is nobody's to the caller.
    focused = await _overview(http, pat, affiliateId=p.b.id)
    assert (focused["clicks"], focused["conversions"], focused["commissionCents"]) == (
        0, 1, 1000)
    async with http.get(f"{INSIGHTS}/overview", params={"affiliateId": p.sam.id},
                        headers=pat) as r:
        await expect_error(r, 404, "affiliate_not_found", "affiliateId")
    theirs = await _overview(http, sam)
    assert (theirs["clicks"], theirs["conversions"], theirs["commissionCents"]) == (0, 1, 600)

    links = await me_call(http, pat, f"{INSIGHTS}/links")
    assert links == {"currency": "USD", "rows": [
        {"slug": p.a.slug, "clicks": 1, "conversions": 1, "commissionCents": 2000},
        {"slug": p.b.slug, "clicks": 0, "conversions": 1, "commissionCents": 1000}]}
    assert (await me_call(http, pat, f"{INSIGHTS}/links", format="csv")).split("\r\n") == [
        "slug,clicks,conversions,commissionCents", f"{p.a.slug},1,1,2000",
        f"{p.b.slug},0,1,1000", ""]
    csv = (await me_call(http, pat, f"{INSIGHTS}/overview", format="csv")).split("\r\n")
    assert csv[0].startswith("clicks,conversions,conversionRate,epcCents,commissionCents,")
    assert "commissionByCurrency" not in csv[0] and csv[1].startswith("1,2,")
    channels = (await me_call(http, pat, f"{INSIGHTS}/channels", format="csv")).split("\r\n")
    assert f"'{FORMULA},1,1,2000" in channels  # the guard: a leading - is quoted
    assert "(unknown),0,1,1000" in channels


async def test_unknown_modules_and_brand_credentials(
        http: aiohttp.ClientSession, org: Org, issuer: TestIssuer) -> None:
    pat = issuer.affiliate_auth(f"nobody-{uuid.uuid4().hex[:8]}@example.com")
    async with http.get(f"{INSIGHTS}/sale_origin", headers=pat) as r:
        body = await expect_error(r, 404, "insight_module_not_found", "module",
                                  extra=frozenset({"modules"}))
    assert body["modules"] == [m.value for m in MyModule] == [
        "overview", "sale-origin", "geography", "devices", "links", "time-patterns", "utm",
        "channels"]
    # A caller with no memberships has nothing to see, in every module.
    assert (await _overview(http, pat))["conversions"] == 0
    assert (await me_call(http, pat, f"{INSIGHTS}/links"))["rows"] == []
    for headers in (org.auth, issuer.operator_auth(org.org_id, "Owner")):
        async with http.get(f"{INSIGHTS}/overview", headers=headers) as r:
            assert (r.status, await r.read()) == (403, b"")
