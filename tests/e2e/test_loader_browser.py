"""The loader in a real headless Chromium (Debian's chromium, driven by Playwright): a brand
page with the rendered install snippet, a visit with ``?via=``, the first-party cookie, the
click row, and ``Rekomi.convert`` posting the lead."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.common.browser import REQUIRES_CHROMIUM, LocalPages, chromium, local_pages
from tests.common.orgs import Org
from tests.common.tracking_api import DESKTOP, click_rows, db_fetch, tracked_link
from tests.common.waiting import eventually

pytest.importorskip("playwright.async_api")  # the browser tests skip without it
pytestmark = REQUIRES_CHROMIUM


def base_of(snippet: str) -> str:
    return snippet.split('src="', 1)[1].split("/api/v1/r/loader.js", 1)[0]


@pytest.fixture
async def brand_site() -> AsyncIterator[LocalPages]:
    """A brand's page on its own origin; the test puts the snippet in ``html``."""
    async with local_pages(1) as site:
        yield site


@pytest.fixture
async def browser_context() -> AsyncIterator[Any]:
    async with chromium() as browser:
        yield await browser.new_context(user_agent=DESKTOP)


async def _visit(context: Any, url: str) -> dict[str, Any]:
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_function("window.Rekomi !== undefined")
    click: dict[str, Any] = await page.evaluate("Rekomi.ready")
    await page.close()
    return click


async def _snippet(http: aiohttp.ClientSession, org: Org) -> str:
    async with http.get("/api/v1/r/install-snippet", headers=org.auth) as response:
        body = await response.json()
        assert response.status == 200, body
    return f"<!doctype html><html><body><h1>Brand</h1>{body['snippet']}</body></html>"


async def test_first_touch_keeps_the_first_affiliate(http: aiohttp.ClientSession, org: Org,
                                                     brand_site: LocalPages,
                                                     browser_context: Any) -> None:
    first = await tracked_link(http, org, attributionModel="FirstTouch")
    second = await tracked_link(http, org, first.program_id)
    brand_site.html = await _snippet(http, org)
    await _visit(browser_context, f"{brand_site.origins[0]}/?via={first.slug}")
    again = await _visit(browser_context, f"{brand_site.origins[0]}/p?ref={second.slug}")
    assert (again["slug"], again["attributedSlug"]) == (second.slug, first.slug)
    cookies = {c["name"]: c["value"] for c in await browser_context.cookies()}
    assert cookies["rkm_ref"].startswith(f"{first.slug}.")
    [row] = await click_rows(second.slug, 1)
    assert row["attributed_slug"] == first.slug
    await click_rows(first.slug, 1)


async def test_visit_cookie_click_and_convert(http: aiohttp.ClientSession, org: Org,
                                              brand_site: LocalPages) -> None:
    link = await tracked_link(http, org, cookieWindowDays=45)
    async with http.get("/api/v1/r/install-snippet", headers=org.auth) as response:
        snippet = (await response.json())["snippet"]
        assert response.status == 200
    brand_site.html = f"<!doctype html><html><body><h1>Brand</h1>{snippet}</body></html>"
    email = f"lead-{uuid.uuid4().hex[:8]}@example.com"

    async with chromium() as browser:
        context = await browser.new_context(user_agent=DESKTOP)
        page = await context.new_page()
        await page.goto(f"{brand_site.origins[0]}/landing?via={link.slug}&utm_source=pw")
        await page.wait_for_function("window.Rekomi !== undefined")
        click = await page.evaluate("Rekomi.ready")
        assert click["slug"] == link.slug and click["counted"] is True
        cookies = {c["name"]: c for c in await context.cookies()}
        assert cookies["rkm_ref"]["value"].startswith(f"{link.slug}.{link.program_id}.")
        assert abs(cookies["rkm_ref"]["expires"] - (time.time() + 45 * 86400)) < 120
        async with page.expect_request(
                lambda r: r.url.endswith("/api/v1/r/lead/signup") and r.method == "POST"
        ) as sent:
            assert await page.evaluate("info => Rekomi.convert(info)",
                                       {"email": email, "name": "Pat Doe"}) is True
        # Chromium does not show a beacon's Blob body to Playwright: the rows below
        # prove what was sent.
        assert (await sent.value).url == f"{base_of(snippet)}/api/v1/r/lead/signup"

    [row] = await click_rows(link.slug, 1)
    assert (row["source"], row["utm_source"], row["device_class"], row["referrer_host"]) == (
        "js", "pw", "Desktop", None)
    assert row["landing_url"].startswith(brand_site.origins[0])

    async def lead_row() -> list[Any] | None:
        rows = await db_fetch(
            "SELECT l.affiliate_id, c.type FROM tracking.leads l JOIN ledger.conversions c "
            "ON c.id = l.conversion_id WHERE l.email = $1", email)
        return rows or None
    [lead] = await eventually(lead_row, what="the lead accepted by tracking, booked by the ledger")
    assert (str(lead["affiliate_id"]), lead["type"]) == (link.affiliate_id, "LeadReward")
