"""The dashboard's figures on a small seeded org, computed by hand: clicks through the click
endpoint (one a bot's), signed sales, a refund, an approval. Rollups follow events, so reads
poll until the last event shows."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from tests.common.conversion_imports import brand, conv, imported
from tests.common.orgs import Org, new_org
from tests.common.payouts_api import approve, ledger_sql
from tests.common.s2s import post_signed, renew, sale, seller, subscribe
from tests.common.stack import rekomi
from tests.common.tracking_api import GOOGLEBOT, Tracked, post_click, tracked_link
from tests.common.waiting import eventually
from tests.e2e.test_s2s_lifecycle import refund_of

DASHBOARD = "/api/v1/dashboard"


async def get(http: aiohttp.ClientSession, org: Org, path: str, expect: int = 200,
              **params: str) -> Any:
    async with http.get(f"{DASHBOARD}/{path}", params=params, headers=org.auth) as response:
        body = await (response.json() if response.content_type == "application/json"
                      else response.text())
        assert response.status == expect, body
    return body


async def click(http: aiohttp.ClientSession, link: Tracked, referrer: str | None,
                **options: Any) -> None:
    body: dict[str, Any] = {"landingUrl": f"https://brand.example/?via={link.slug}",
                            "programId": link.program_id}
    if referrer is not None:
        body["referrer"] = referrer
    await post_click(http, body, **options)


async def seeded(http: aiohttp.ClientSession) -> tuple[Org, Tracked, Tracked, str]:
    """A: 3 clicks (youtube.com twice, one direct) and a bot's, sales of 100.00 and 50.00
    (refunded); B: a click from twitter.com and a sale of 200.00. 20% commission. Returns
    the org, A, B and A's 100.00 sale id once the rollups show it all."""
    org = await new_org()
    a = await tracked_link(http, org)
    b = await tracked_link(http, org, a.program_id)
    for referrer in ("https://youtube.com/watch?v=1", "https://youtube.com/watch?v=2", None):
        await click(http, a, referrer)
    await click(http, a, "https://youtube.com/x", ua=GOOGLEBOT)
    await click(http, b, "https://twitter.com/i/1")
    big = sale(a.slug, amountCents=10000)
    small = sale(a.slug, amountCents=5000)
    ids = []
    for body in (big, small, sale(b.slug, amountCents=20000)):
        status, made = await post_signed(http, org, body)
        assert status == 200, made
        ids.append(made["conversionId"])
    status, _ = await post_signed(http, org, refund_of(small["externalEventId"]))
    assert status == 200

    async def settled() -> dict[str, Any] | None:
        # (4, 2) alone is also met on the way (two sales counted, the third and the refund
        # not yet); with the refund counted as well, every event is in
        overview = await get(http, org, "insights/overview")
        done = (overview["clicks"], overview["conversions"],
                overview["refundedConversions"]) == (4, 2, 1)
        return overview if done else None

    await eventually(settled, timeout=20, what="the rollups of the seeded org")
    return org, a, b, ids[0]


async def test_the_dashboard_of_a_small_org(http: aiohttp.ClientSession) -> None:
    org, a, b, big = await seeded(http)
    assert await get(http, org, "summary") == {
        "totalClicks": 4, "totalConversions": 2, "totalLeads": 0,
        "totalEarningsCents": 2000 + 4000, "conversionRate": 50.0, "activeAffiliates": 2,
        "pendingPayoutsCents": 0}
    await approve(big)
    assert (await get(http, org, "summary"))["pendingPayoutsCents"] == 2000

    today = datetime.now(UTC).date()
    series = await get(http, org, "timeseries", metric="conversions")
    assert series["metric"] == "conversions" and series["granularity"] == "day"
    assert len(series["points"]) == 31
    assert series["points"][-1] == {"bucket": today.isoformat(), "count": 2}
    assert sum(p["count"] for p in series["points"]) == 2
    clicks = await get(http, org, "timeseries", metric="clicks",
                       since=(today - timedelta(days=2)).isoformat(),
                       until=(today + timedelta(days=1)).isoformat())
    assert [p["count"] for p in clicks["points"]] == [0, 0, 4]

    assert [(r["affiliateId"], r["value"]) for r in await get(
        http, org, "leaderboard", metric="earnings")] == [(b.affiliate_id, 4000),
                                                           (a.affiliate_id, 2000)]
    assert [(r["affiliateId"], r["value"]) for r in await get(
        http, org, "leaderboard", metric="clicks", limit="1")] == [(a.affiliate_id, 3)]
    assert [(r["affiliateId"], r["value"]) for r in await get(
        http, org, "leaderboard", metric="epc")] == [(b.affiliate_id, 4000),
                                                      (a.affiliate_id, 667)]
    leader = (await get(http, org, "leaderboard", metric="conversions"))[0]
    assert set(leader) == {"affiliateId", "fullName", "email", "value"}

    assert await get(http, org, "traffic-sources") == [
        {"source": "youtube.com", "count": 2, "percentage": 50.0},
        {"source": "(direct)", "count": 1, "percentage": 25.0},
        {"source": "twitter.com", "count": 1, "percentage": 25.0}]
    assert await get(http, org, "traffic-sources", affiliateId=b.affiliate_id) == [
        {"source": "twitter.com", "count": 1, "percentage": 100.0}]

    csv = await get(http, org, "export.csv", metric="conversions")
    lines = csv.strip().split("\r\n")
    assert lines[0] == "date,conversions" and lines[-1] == f"{today.isoformat()},2"
    assert len(lines) == 32


async def test_another_org_sees_none_of_it(http: aiohttp.ClientSession) -> None:
    _org, a, _b, _big = await seeded(http)
    other = await new_org()
    assert await get(http, other, "summary") == {
        "totalClicks": 0, "totalConversions": 0, "totalLeads": 0, "totalEarningsCents": 0,
        "conversionRate": 0.0, "activeAffiliates": 0, "pendingPayoutsCents": 0}
    assert await get(http, other, "leaderboard", metric="clicks") == []
    assert await get(http, other, "traffic-sources") == []
    assert await get(http, other, "leaderboard", metric="clicks",
                     programId=a.program_id) == []


async def test_bad_queries_are_400_and_trial_is_402(http: aiohttp.ClientSession) -> None:
    org = await new_org()
    for path, params, field in [("timeseries", {}, "metric"),
                                ("timeseries", {"metric": "revenue"}, "metric"),
                                ("leaderboard", {"metric": "clicks", "limit": "51"}, "limit"),
                                ("export.csv", {"metric": "leads"}, "metric"),
                                ("summary", {"since": "yesterday"}, "since"),
                                ("timeseries", {"metric": "clicks", "since": "2000-01-01"},
                                 "since"),
                                ("timeseries", {"metric": "clicks", "since": "2026-05-02",
                                                "until": "2026-05-01"}, "since")]:
        answer = await get(http, org, path, expect=400, **params)
        assert (answer["error"], answer["field"]) == ("validation_failed", field), path
    trial = await new_org(plan="Trial", status="Trialing")
    assert (await get(http, trial, "summary", expect=402))["error"] == "plan_tier_required"




async def insight(http: aiohttp.ClientSession, org: Org, module: str, expect: int = 200,
                  alias: bool = False, **params: str) -> Any:
    base = "/api/metrics/insights" if alias else f"{DASHBOARD}/insights"
    async with http.get(f"{base}/{module}", params=params, headers=org.auth) as response:
        body = await (response.json() if response.content_type == "application/json"
                      else response.text())
        assert response.status == expect, body
    return body


async def test_insight_modules_on_the_small_org(http: aiohttp.ClientSession) -> None:
    org, a, _b, big = await seeded(http)
    # sales 100.00 (A) and 200.00 (B) count; 50.00 (A) was refunded; 4 non-bot clicks
    assert await insight(http, org, "overview") == {
        "clicks": 4, "conversions": 2, "conversionRate": 50.0, "epcCents": 1500,
        "aovCents": 15000, "grossRevenueCents": 30000, "commissionCents": 6000,
        "refundedConversions": 1, "refundRate": 0.3333, "recurringConversions": 0,
        "recurringSharePct": 0.0, "homeCurrency": "USD", "leads": 0,
        "clickToLeadRate": 0.0, "leadToSaleRate": 0.0}
    assert await insight(http, org, "overview", alias=True) == await insight(
        http, org, "overview")
    mine = await insight(http, org, "overview", affiliateId=a.affiliate_id)
    assert (mine["clicks"], mine["conversions"], mine["refundedConversions"]) == (3, 1, 1)

    # Its grace period ends now: the ledger's approval job approves it (conversion.approved).
    await ledger_sql("UPDATE conversions SET approve_after = now() WHERE id = $1",
                     uuid.UUID(big))

    async def approved() -> Any:
        steps = (await insight(http, org, "funnel"))["steps"]
        return steps if steps[2]["count"] == 1 else None

    assert await eventually(approved, timeout=20, what="the approval in the funnel") == [
        {"step": "clicks", "count": 4}, {"step": "conversions", "count": 2},
        {"step": "approved", "count": 1}, {"step": "paid", "count": 0}]
    # S2S sales name the affiliate's link: all Link
    assert await insight(http, org, "attribution") == {"homeCurrency": "USD", "rows": [
        {"attribution": "Coupon", "conversions": 0, "revenueCents": 0, "commissionCents": 0},
        {"attribution": "Link", "conversions": 2, "revenueCents": 30000,
         "commissionCents": 6000},
        {"attribution": "Other", "conversions": 0, "revenueCents": 0,
         "commissionCents": 0}]}

    csv = await insight(http, org, "attribution", format="csv")
    assert csv.split("\r\n")[:3] == ["attribution,conversions,revenueCents,commissionCents",
                                     "Coupon,0,0,0", "Link,2,30000,6000"]
    one_row = (await insight(http, org, "overview", format="csv")).split("\r\n")
    assert one_row[0].startswith("clicks,conversions,conversionRate") and \
        one_row[1].startswith("4,2,50.0,1500")
    missing = await insight(http, org, "weather", expect=404)
    assert (missing["error"], missing["modules"]) == (
        "insight_module_not_found",
        ["overview", "sale-origin", "geography", "devices", "utm", "time-patterns",
         "time-to-convert", "funnel", "attribution", "recurring", "customers"])
    other = await new_org()
    assert (await insight(http, other, "overview"))["clicks"] == 0


async def test_a_new_click_and_sale_show_within_five_seconds(
        http: aiohttp.ClientSession) -> None:
    """Tracking writes clicks in batches and relays the roll-up; the ledger books the sale and
    applies both from the bus: the issue asks for the dashboard within 5 s."""
    org = await new_org()
    link = await tracked_link(http, org)
    started = time.monotonic()
    await click(http, link, "https://news.example/a")
    status, made = await post_signed(http, org, sale(link.slug, amountCents=10000),
                                     wait=False)
    assert status == 200, made

    async def shown() -> dict[str, Any] | None:
        summary = await get(http, org, "summary")
        return summary if (summary["totalClicks"], summary["totalConversions"]) == (1, 1) \
            else None

    await eventually(shown, timeout=5, interval=0.05, what="the click and the sale")
    print(f"shown {time.monotonic() - started:.2f} s after the click")
    assert time.monotonic() - started < 5


async def test_an_imported_sale_counts_until_its_import_is_reverted(
        http: aiohttp.ClientSession) -> None:
    b = await brand(http)
    occurred = datetime.now(UTC) - timedelta(days=2)
    job = await imported(http, b, [conv(b, 1, occurredAt=occurred.isoformat(), paid=True)])

    async def counted(expected: int) -> dict[str, Any] | None:
        summary = await get(http, b.org, "summary")
        return summary if summary["totalConversions"] == expected else None

    summary = await eventually(lambda: counted(1), what="the imported sale counted")
    assert summary["totalEarningsCents"] == 2500
    funnel = (await insight(http, b.org, "funnel"))["steps"]
    assert funnel[-1] == {"step": "paid", "count": 1}  # settled history: Paid
    attribution = (await insight(http, b.org, "attribution"))["rows"]
    assert attribution[2] == {"attribution": "Other", "conversions": 1, "revenueCents": 10000,
                              "commissionCents": 2500}
    series = await get(http, b.org, "timeseries", metric="conversions")
    assert series["points"][-3] == {"bucket": occurred.date().isoformat(), "count": 1}

    rekomi("admin", "revert-import", "--job", job["jobId"], "--json")
    await eventually(lambda: counted(0), what="the reverted import taken back")
    assert (await get(http, b.org, "summary"))["totalEarningsCents"] == 0


async def test_the_recurring_module(http: aiohttp.ClientSession) -> None:
    """A subscription sold now (100.00) and renewed (80.00): both are Recurring rows, beside a
    one-time sale (50.00); and an imported subscription whose last charge was 40 days ago:
    churned within the 30-day window."""
    s = await seller(http)
    subscription, initial = await subscribe(http, s, amount=10000)
    await renew(http, s, subscription, initial, 8000)
    status, made = await post_signed(http, s.org, sale(s.slug, amountCents=5000))
    assert status == 200, made
    b = await brand(http)
    await imported(http, b, [conv(b, 1, occurredAt=(datetime.now(UTC) - timedelta(days=40))
                                  .isoformat(), stripeSubscriptionId="sub_gone")])

    async def booked() -> dict[str, Any] | None:
        answer = await insight(http, s.org, "recurring")
        return answer if answer["mix"][1]["conversions"] == 2 else None

    answer = await eventually(booked, what="the renewal in the rollups")
    month = datetime.now(UTC).strftime("%Y-%m")
    assert answer["mix"] == [
        {"kind": "OneTime", "conversions": 1, "revenueCents": 5000},
        {"kind": "Recurring", "conversions": 2, "revenueCents": 18000}]
    assert answer["mrrByMonth"][-1] == {"month": month, "mrrCents": 18000}
    assert (answer["churnedSubscriptions"], answer["homeCurrency"]) == (0, "USD")

    async def churned() -> int | None:
        found = (await insight(http, b.org, "recurring"))["churnedSubscriptions"]
        return found or None

    assert await eventually(churned, what="the imported subscription's churn") == 1


async def test_the_customers_module(http: aiohttp.ClientSession) -> None:
    """cus_A buys twice (100.00, then 30.00: returning), cus_B once (50.00), and a sale
    without a customer (20.00) counts as New."""
    s = await seller(http)
    for customer, cents in (("cus_A", 10000), ("cus_B", 5000), ("cus_A", 3000), (None, 2000)):
        body = {k: v for k, v in sale(s.slug, amountCents=cents, customerId=customer).items()
                if v is not None}
        status, made = await post_signed(http, s.org, body)
        assert status == 200, made

    async def counted() -> dict[str, Any] | None:
        answer = await insight(http, s.org, "customers")
        return answer if sum(r["conversions"] for r in answer["rows"]) == 4 else None

    assert await eventually(counted, what="four sales in the rollups") == {
        "homeCurrency": "USD", "rows": [
            {"segment": "New", "conversions": 3, "revenueCents": 17000},
            {"segment": "Returning", "conversions": 1, "revenueCents": 3000}]}
