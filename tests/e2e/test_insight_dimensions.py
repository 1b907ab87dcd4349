"""The click-dimension insight modules (sale-origin, geography, devices, utm, time-patterns,
time-to-convert) on a small seeded org, computed by hand. Clicks go through the click endpoint
(country from ``CF-IPCountry``, device from the User-Agent); sales are signed S2S calls, some
passing the loader's cookie value as ``referral`` (which names their originating click), some
not, one naming another affiliate's click, one unreadable; one sale is refunded, one is in EUR
(home currency USD)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import aiohttp

from tests.common.orgs import Org, new_org
from tests.common.payouts_api import ledger_sql
from tests.common.s2s import post_signed, sale
from tests.common.tracking_api import (
    DESKTOP,
    GOOGLEBOT,
    IPAD,
    IPHONE,
    Tracked,
    click_rows,
    post_click,
    tracked_link,
)
from tests.common.waiting import eventually
from tests.e2e.test_dashboard import insight
from tests.e2e.test_s2s_lifecycle import refund_of

UNKNOWN, NONE = "(unknown)", "(none)"


@dataclass
class Seeded:
    org: Org
    a: Tracked
    b: Tracked
    eur_in_usd: int  # the 30.00 EUR sale in home-currency cents at today's rate
    cookies: list[str]
    started: datetime


async def _usd_per_eur(day: date) -> Decimal:
    """Today's USD rate: seeded when missing (another test may have seeded it first)."""
    await ledger_sql("INSERT INTO fx_rates (day, currency, per_eur, source) VALUES "
                     "($1, 'USD', 1.0825, 'ecb') ON CONFLICT DO NOTHING", day)
    rows = await ledger_sql("SELECT per_eur FROM fx_rates WHERE day = $1 AND currency = 'USD'",
                            day)
    return Decimal(rows[0]["per_eur"])


async def _click(http: aiohttp.ClientSession, link: Tracked, *, referrer: str | None,
                 query: str = "", ua: str = DESKTOP, country: str | None = None) -> str:
    body: dict[str, Any] = {"landingUrl": f"https://brand.example/?via={link.slug}{query}",
                            "programId": link.program_id, "referrer": referrer}
    headers = {} if country is None else {"CF-IPCountry": country}
    cookie = (await post_click(http, body, ua=ua, **headers))["cookie"]
    await asyncio.sleep(1.05)  # the next click in another second: a cookie names a second
    return str(cookie)


async def _sell(http: aiohttp.ClientSession, org: Org, slug: str, cents: int, *,
                currency: str = "USD", referral: str | None = None) -> dict[str, Any]:
    body = sale(slug, amountCents=cents, currency=currency)
    if referral is not None:
        body["referral"] = referral
    status, made = await post_signed(http, org, body)
    assert status == 200 and set(made) == {"ok", "conversionId"}, made  # the reference's
    return body


async def seeded(http: aiohttp.ClientSession) -> Seeded:
    """A's clicks: youtube.com (DE, Desktop, utm_source=yt, utm_campaign=spring, sub_id=ig),
    youtube.com (FR, iPhone, utm_source=yt), direct (no country, iPad), a bot's (US); B's:
    twitter.com (DE, Desktop, utm_medium=social, subid=story). Sales: S1 A 100.00 (click 1),
    S2 A 50.00 (click 2, refunded), S3 A 30.00 EUR (click 3), S4 B 200.00 (no referral), S5 B
    40.00 (A's click 1: another affiliate's, so none), S6 A 10.00 (unreadable referral), S7 B
    20.00 (click 4)."""
    started = datetime.now(UTC)
    org = await new_org()
    rate = await _usd_per_eur(started.date())
    a = await tracked_link(http, org)
    b = await tracked_link(http, org, a.program_id)
    cookies = [
        await _click(http, a, referrer="https://youtube.com/watch?v=1", country="DE",
                     query="&utm_source=yt&utm_campaign=spring&sub_id=ig"),
        await _click(http, a, referrer="https://youtube.com/watch?v=2", ua=IPHONE,
                     country="FR", query="&utm_source=yt"),
        await _click(http, a, referrer=None, ua=IPAD),
        await _click(http, b, referrer="https://twitter.com/i/1", country="DE",
                     query="&utm_medium=social&subid=story")]
    await post_click(http, {"landingUrl": f"https://brand.example/?via={a.slug}",
                            "referrer": "https://youtube.com/x"}, ua=GOOGLEBOT,
                     **{"CF-IPCountry": "US"})
    await click_rows(a.slug, 4)  # stored: a sale's referral finds only stored clicks
    await click_rows(b.slug, 1)
    await _sell(http, org, a.slug, 10000, referral=cookies[0])
    refunded = await _sell(http, org, a.slug, 5000, referral=cookies[1])
    await _sell(http, org, a.slug, 3000, currency="EUR", referral=cookies[2])
    await _sell(http, org, b.slug, 20000)
    await _sell(http, org, b.slug, 4000, referral=cookies[0])
    await _sell(http, org, a.slug, 1000, referral="not-a-referral")
    await _sell(http, org, b.slug, 2000, referral=cookies[3])
    status, _ = await post_signed(http, org, refund_of(refunded["externalEventId"]))
    assert status == 200

    async def settled() -> bool | None:
        overview = await insight(http, org, "overview")
        devices = (await insight(http, org, "devices"))["rows"]
        done = (overview["clicks"], overview["conversions"], overview["refundedConversions"],
                sum(r["clicks"] for r in devices), sum(r["conversions"] for r in devices))
        return True if done == (4, 6, 1, 5, 6) else None

    await eventually(settled, timeout=20, what="the seeded org in the dimension rollups")
    eur = (Decimal(3000) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Seeded(org, a, b, int(eur), cookies, started)


async def test_the_click_dimension_modules(http: aiohttp.ClientSession) -> None:
    s = await seeded(http)
    org, x = s.org, s.eur_in_usd
    assert await insight(http, org, "sale-origin") == {
        "sources": [{"source": "youtube.com", "conversions": 1, "revenueCents": 10000},
                    {"source": "(direct)", "conversions": 1, "revenueCents": x},
                    {"source": "twitter.com", "conversions": 1, "revenueCents": 2000}],
        "attributedConversions": 3, "totalConversions": 6, "coverage": 0.5,
        "homeCurrency": "USD"}
    assert await insight(http, org, "geography") == {"homeCurrency": "USD", "rows": [
        {"country": "DE", "clicks": 2, "conversions": 2, "revenueCents": 12000},
        {"country": "FR", "clicks": 1, "conversions": 0, "revenueCents": 0},
        {"country": UNKNOWN, "clicks": 1, "conversions": 4, "revenueCents": x + 25000}]}
    assert await insight(http, org, "devices") == {"rows": [
        {"device": "Mobile", "clicks": 1, "conversions": 0},
        {"device": "Tablet", "clicks": 1, "conversions": 1},
        {"device": "Desktop", "clicks": 2, "conversions": 2},
        {"device": "Bot", "clicks": 1, "conversions": 0},
        {"device": UNKNOWN, "clicks": 0, "conversions": 3}]}
    unknown = {"value": UNKNOWN, "clicks": 0, "conversions": 3, "revenueCents": 25000}
    assert await insight(http, org, "utm") == await insight(http, org, "utm",
                                                            dimension="source")
    assert await insight(http, org, "utm") == {
        "dimension": "source", "homeCurrency": "USD", "rows": [
            {"value": NONE, "clicks": 2, "conversions": 2, "revenueCents": x + 2000},
            {"value": "yt", "clicks": 2, "conversions": 1, "revenueCents": 10000}, unknown]}
    assert (await insight(http, org, "utm", dimension="medium"))["rows"] == [
        {"value": NONE, "clicks": 3, "conversions": 2, "revenueCents": 10000 + x},
        {"value": "social", "clicks": 1, "conversions": 1, "revenueCents": 2000}, unknown]
    assert (await insight(http, org, "utm", dimension="campaign"))["rows"] == [
        {"value": NONE, "clicks": 3, "conversions": 2, "revenueCents": x + 2000},
        {"value": "spring", "clicks": 1, "conversions": 1, "revenueCents": 10000}, unknown]
    assert await insight(http, org, "time-to-convert") == {
        "buckets": [{"bucket": "<1h", "conversions": 3}, {"bucket": "1-24h", "conversions": 0},
                    {"bucket": "1-7d", "conversions": 0}, {"bucket": ">7d", "conversions": 0}],
        "attributedConversions": 3, "totalConversions": 6, "coverage": 0.5}

    cells = (await insight(http, org, "time-patterns"))["cells"]
    assert len(cells) == 168 and cells[0] == {"dayOfWeek": 0, "hour": 0, "clicks": 0,
                                              "conversions": 0}
    assert [(c["dayOfWeek"], c["hour"]) for c in cells[:25:24]] == [(0, 0), (1, 0)]
    now = datetime.now(UTC)
    seeded_hours = {((t.isoweekday() % 7), t.hour) for t in (s.started, now)}
    busy = [c for c in cells if c["clicks"] or c["conversions"]]
    assert {(c["dayOfWeek"], c["hour"]) for c in busy} <= seeded_hours
    assert (sum(c["clicks"] for c in busy), sum(c["conversions"] for c in busy)) == (4, 6)

    # the overview agrees: 6 sales, 4 non-bot clicks
    overview = await insight(http, org, "overview")
    assert (overview["conversions"], overview["clicks"]) == (6, 4)
    await _the_affiliates_links_and_sub_ids(s)


async def _the_affiliates_links_and_sub_ids(s: Seeded) -> None:
    """The affiliate's own dimensions in the ledger's rollups: every sale names its link
    (``affiliateSlug``); a sale's sub-id is its originating click's (clicks and sales per
    value; commission per currency, 20%)."""
    rows = await ledger_sql(
        "SELECT affiliate_id::text, dimension, value, sum(clicks)::int, "
        "sum(conversions)::int, sum(commission_cents) FILTER (WHERE currency = 'USD')::int, "
        "sum(commission_cents) FILTER (WHERE currency = 'EUR')::int FROM metric_dims "
        "WHERE org_id = $1::uuid AND dimension IN ('link', 'channel') "
        "GROUP BY 1, 2, 3", s.org.org_id)
    a, b = s.a.affiliate_id, s.b.affiliate_id
    assert {tuple(r)[:3]: tuple(r)[3:] for r in rows} == {
        (a, "link", s.a.slug): (3, 3, 2000 + 200, 600),  # S1, S3 (EUR), S6
        (a, "channel", "ig"): (1, 1, 2000, None),
        (a, "channel", NONE): (2, 1, 0, 600),  # S2's USD row taken back by its refund
        (a, "channel", UNKNOWN): (0, 1, 200, None),
        (b, "link", s.b.slug): (1, 3, 4000 + 800 + 400, None),  # S4, S5, S7
        (b, "channel", "story"): (1, 1, 400, None),
        (b, "channel", UNKNOWN): (0, 2, 4000 + 800, None)}


async def test_filters_csv_and_isolation(http: aiohttp.ClientSession) -> None:
    s = await seeded(http)
    org, b = s.org, s.b
    assert await insight(http, org, "sale-origin", programId=s.a.program_id) == \
        await insight(http, org, "sale-origin", alias=True)
    assert await insight(http, org, "sale-origin", affiliateId=b.affiliate_id) == {
        "sources": [{"source": "twitter.com", "conversions": 1, "revenueCents": 2000}],
        "attributedConversions": 1, "totalConversions": 3, "coverage": 0.3333,
        "homeCurrency": "USD"}
    assert (await insight(http, org, "devices", affiliateId=b.affiliate_id))["rows"][2] == {
        "device": "Desktop", "clicks": 1, "conversions": 1}

    csv = (await insight(http, org, "sale-origin", format="csv")).split("\r\n")
    assert csv[:4] == ["source,conversions,revenueCents", "youtube.com,1,10000",
                       f"(direct),1,{s.eur_in_usd}", "twitter.com,1,2000"]
    devices = (await insight(http, org, "devices", format="csv")).split("\r\n")
    assert devices[:2] == ["device,clicks,conversions", "Mobile,1,0"]
    bad = await insight(http, org, "utm", expect=400, dimension="content")
    assert (bad["error"], bad["field"]) == ("validation_failed", "dimension")
    missing = await insight(http, org, "sale_origin", expect=404)
    assert missing["modules"] == [
        "overview", "sale-origin", "geography", "devices", "utm", "time-patterns",
        "time-to-convert", "funnel", "attribution", "recurring", "customers"]

    # Another org sees none of it, even naming this org's program, and a sale of its own
    # carrying this org's referral has no originating click.
    other = await new_org()
    link = await tracked_link(http, other)
    empty = {"sources": [], "attributedConversions": 0, "totalConversions": 0,
             "coverage": 0.0, "homeCurrency": "USD"}
    assert await insight(http, other, "sale-origin") == empty
    assert await insight(http, other, "sale-origin", programId=s.a.program_id) == empty
    assert (await insight(http, other, "geography"))["rows"] == []
    await _sell(http, other, link.slug, 500, referral=s.cookies[0])

    async def counted() -> dict[str, Any] | None:
        found = await insight(http, other, "sale-origin")
        return found if found["totalConversions"] == 1 else None

    assert await eventually(counted, what="the other org's sale") == {
        **empty, "totalConversions": 1}
