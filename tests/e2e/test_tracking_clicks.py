"""Click ingestion over HTTP: the JSON click beacon, the no-JS pixel, bots, attribution."""

from __future__ import annotations

import time

import aiohttp
import pytest

from tests.common.api import expect_error
from tests.common.orgs import Org
from tests.common.tracking_api import (
    CLICK,
    GOOGLEBOT,
    IPAD,
    IPHONE,
    click_rows,
    post_click,
    tracked_link,
)

LANDING = "https://brand.example/pricing?via={slug}&utm_source=news&utm_medium=email" \
          "&utm_campaign=spring&utm_term=shoes&utm_content=hero&sub_id=Story-7"


async def test_json_click_stores_visit_details(http: aiohttp.ClientSession, org: Org) -> None:
    link = await tracked_link(http, org, cookieWindowDays=45)
    landing = LANDING.format(slug=link.slug)
    result = await post_click(http, {"landingUrl": landing, "programId": link.program_id,
                                     "referrer": "https://WWW.Blog.example/post/1"},
                              ua=IPHONE, **{"CF-IPCountry": "de"})
    assert result["counted"] is True
    assert result["slug"] == result["attributedSlug"] == link.slug
    assert result["deviceClass"] == "Mobile"
    assert result["maxAgeSeconds"] == 45 * 86400
    assert result["cookie"].startswith(f"{link.slug}.{link.program_id}.")
    [row] = await click_rows(link.slug, 1)
    assert str(row["affiliate_id"]) == link.affiliate_id
    assert str(row["program_id"]) == link.program_id
    assert row["referrer_host"] == "www.blog.example"
    assert row["landing_url"] == landing
    assert [row[f"utm_{k}"] for k in ("source", "medium", "campaign", "term", "content")] == [
        "news", "email", "spring", "shoes", "hero"]
    assert (row["device_class"], row["country"], row["is_bot"], row["source"]) == (
        "Mobile", "DE", False, "js")
    assert row["sub_id"] == "Story-7"


@pytest.mark.parametrize(("ua", "headers", "device", "country"), [
    (IPAD, {"X-Country": "FR"}, "Tablet", "FR"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/126.0", {}, "Desktop", "unknown"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36", {"CF-IPCountry": "XX"},
     "Mobile", "unknown"),
])
async def test_device_and_country(http: aiohttp.ClientSession, org: Org, ua: str,
                                  headers: dict[str, str], device: str, country: str) -> None:
    link = await tracked_link(http, org)
    await post_click(http, {"landingUrl": f"https://b.example/?ref={link.slug}"}, ua=ua,
                     **headers)
    [row] = await click_rows(link.slug, 1)
    assert (row["device_class"], row["country"], row["referrer_host"]) == (device, country,
                                                                           None)


async def test_bots_are_flagged_not_counted(http: aiohttp.ClientSession, org: Org) -> None:
    link = await tracked_link(http, org)
    body = {"landingUrl": f"https://b.example/?via={link.slug}"}
    bot = await post_click(http, body, ua=GOOGLEBOT)
    assert (bot["counted"], bot["deviceClass"]) == (False, "Bot")
    await post_click(http, body)
    rows = await click_rows(link.slug, 2)
    assert [(r["device_class"], r["is_bot"]) for r in rows] == [("Bot", True),
                                                                ("Desktop", False)]


async def test_custom_param_wins_by_effective_order(http: aiohttp.ClientSession,
                                                    org: Org) -> None:
    first = await tracked_link(http, org)
    second = await tracked_link(http, org, first.program_id)
    async with http.patch("/api/v1/settings/attribution-params", json={"custom": "partner"},
                          headers=org.auth) as response:
        assert response.status == 200
    landing = f"https://b.example/?via={first.slug}&partner={second.slug}"
    result = await post_click(http, {"landingUrl": landing})
    assert result["slug"] == second.slug
    await click_rows(second.slug, 1)


@pytest.mark.parametrize(("model", "credited"), [("FirstTouch", 0), ("LastTouch", 1)])
async def test_two_affiliates_first_or_last_touch(http: aiohttp.ClientSession, org: Org,
                                                  model: str, credited: int) -> None:
    first = await tracked_link(http, org, attributionModel=model)
    second = await tracked_link(http, org, first.program_id)
    one = await post_click(http, {"landingUrl": f"https://b.example/?via={first.slug}"})
    two = await post_click(http, {"landingUrl": f"https://b.example/?via={second.slug}",
                                  "cookie": one["cookie"]})
    assert two["attributedSlug"] == (first.slug, second.slug)[credited]
    assert two["attributionModel"] == model
    [row] = await click_rows(second.slug, 1)
    assert row["attributed_slug"] == (first.slug, second.slug)[credited]


async def test_expired_first_touch_cookie_is_replaced(http: aiohttp.ClientSession,
                                                      org: Org) -> None:
    first = await tracked_link(http, org, attributionModel="FirstTouch", cookieWindowDays=1)
    second = await tracked_link(http, org, first.program_id)
    stale = f"{first.slug}.{first.program_id}.1000"
    two = await post_click(http, {"landingUrl": f"https://b.example/?via={second.slug}",
                                  "cookie": stale})
    assert two["attributedSlug"] == second.slug


async def test_unknown_link_is_404_and_stores_nothing(http: aiohttp.ClientSession) -> None:
    async with http.post(CLICK, json={"landingUrl": "https://b.example/?via=nobody-xyz"}
                         ) as response:
        await expect_error(response, 404, "link_not_found")
    async with http.post(CLICK, json={"landingUrl": 5}) as response:
        await expect_error(response, 400, "validation_failed", "landingUrl")


async def test_other_orgs_program_does_not_match(http: aiohttp.ClientSession, org: Org,
                                                 other_org: Org) -> None:
    mine = await tracked_link(http, org)
    theirs = await tracked_link(http, other_org)
    body = {"landingUrl": f"https://b.example/?via={mine.slug}", "programId": theirs.program_id}
    async with http.post(CLICK, json=body) as response:
        await expect_error(response, 404, "link_not_found")
    await post_click(http, {"landingUrl": f"https://b.example/?via={mine.slug}"})
    [row] = await click_rows(mine.slug, 1)
    assert str(row["org_id"]) == org.org_id


async def test_pixel_records_from_referer(http: aiohttp.ClientSession, org: Org) -> None:
    link = await tracked_link(http, org)
    page = f"https://brand.example/?aff={link.slug}&utm_source=nojs&sub1=px-1"
    async with http.get("/api/v1/r/c.gif", headers={"Referer": page, "User-Agent": IPHONE,
                                                     "X-Country": "JP"}) as response:
        assert response.status == 200
        assert response.content_type == "image/gif"
        assert (await response.read()).startswith(b"GIF89a")
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    async with http.get("/api/v1/r/c.gif", params={"via": "nobody-xyz"}) as response:
        assert response.status == 200 and response.content_type == "image/gif"
    [row] = await click_rows(link.slug, 1)
    assert (row["source"], row["utm_source"], row["device_class"], row["country"]) == (
        "gif", "nojs", "Mobile", "JP")
    assert row["sub_id"] == "px-1"  # a fallback key


async def test_click_preflight_allows_json(http: aiohttp.ClientSession) -> None:
    async with http.options(CLICK, headers={"Origin": "https://brand.example",
                                            "Access-Control-Request-Method": "POST"}
                            ) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


async def test_first_touch_ignores_a_forged_cookie(http: aiohttp.ClientSession,
                                                  org: Org) -> None:
    link = await tracked_link(http, org, attributionModel="FirstTouch")
    forged = f"nobody-xyz.{link.program_id}.{int(time.time()) - 60}"
    result = await post_click(http, {"landingUrl": f"https://b.example/?via={link.slug}",
                                     "cookie": forged})
    assert result["attributedSlug"] == link.slug
