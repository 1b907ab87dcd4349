"""The embed widget in a real headless Chromium (Debian's chromium, driven by Playwright),
against the running stack: a Growth brand's affiliate books a sale over signed S2S, the brand
mints an embed token through the API for one local origin, and a page on that origin that
includes ``/embed/v1/dashboard.js`` shows the affiliate's real figures in the widget's shadow
root. The same page on a second origin shows the refused state while the endpoint answered 403
``origin_not_allowed``; a token that expired shows the expired state."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import aiohttp
import pytest

from tests.common.affiliates_api import create_affiliate
from tests.common.api import create_program
from tests.common.browser import REQUIRES_CHROMIUM, LocalPages, chromium, local_pages
from tests.common.embed_api import DASHBOARD, expire, mint
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org, new_org
from tests.common.s2s import Seller, get_conversion, post_signed, sale, seller
from tests.common.stack import Stack
from tests.common.tracking_api import DESKTOP

pytest.importorskip("playwright.async_api")  # the browser tests skip without it
pytestmark = REQUIRES_CHROMIUM
WIDGET = "[data-rekomi-embed]"
SETTLED = ("ready", "empty", "expired", "refused", "error")
BRAND_NAME = "Acme <b>Widgets</b> & Co"  # markup in server strings must show as text
BRAND_COLOR = "#3B0764"
AFFILIATE_NAME = "Ada <img src=x onerror=alert(1)> Lovelace"


@pytest.fixture
async def sites() -> AsyncIterator[LocalPages]:
    """One brand page on two local origins: ``origins[0]`` is the one the tests' tokens
    name, ``origins[1]`` is not."""
    async with local_pages(2) as pages:
        yield pages


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async with chromium() as launched:
        yield launched


def brand_page(gateway: str, token: str) -> str:
    return ("<!doctype html><html lang='en'><body><h1>Brand app</h1>"
            f"<div data-rekomi-embed data-token='{token}' data-locale='en-US'></div>"
            f"<script async src='{gateway}/embed/v1/dashboard.js'></script></body></html>")


def usd(cents: int) -> str:
    """What en-US Intl.NumberFormat writes for USD minor units."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


async def settled(page: Any) -> str:
    await page.wait_for_function(
        f"() => {list(SETTLED)}.includes(document.querySelector('{WIDGET}')"
        "?.dataset.rekomiState)")
    state: str = await page.locator(WIDGET).get_attribute("data-rekomi-state")
    return state


async def figure(page: Any, key: str) -> str:
    text: str = await page.locator(f"{WIDGET} [data-figure={key}] dd").inner_text()
    return text


@dataclass
class ServerAnswers:
    """What the gateway answered the dashboard calls, read through the DevTools protocol's
    Fetch domain at the response stage and passed on untouched: the browser hides a refusal
    whose CORS does not name the page (Playwright reports no response for it)."""

    seen: list[tuple[str | None, int, Any]] = field(default_factory=list)

    @classmethod
    async def watch(cls, context: Any, page: Any) -> ServerAnswers:
        answers, cdp = cls(), await context.new_cdp_session(page)

        async def paused(event: dict[str, Any]) -> None:
            found = await cdp.send("Fetch.getResponseBody", {"requestId": event["requestId"]})
            raw = base64.b64decode(found["body"]) if found["base64Encoded"] else found["body"]
            origin = {k.lower(): v for k, v in event["request"]["headers"].items()}.get("origin")
            answers.seen.append((origin, event["responseStatusCode"], json.loads(raw or "null")))
            await cdp.send("Fetch.continueRequest", {"requestId": event["requestId"]})

        cdp.on("Fetch.requestPaused", lambda event: asyncio.ensure_future(paused(event)))
        await cdp.send("Fetch.enable", {"patterns": [
            {"urlPattern": f"*{DASHBOARD}*", "requestStage": "Response"}]})
        return answers


async def growth_brand(http: aiohttp.ClientSession, issuer: TestIssuer) -> Org:
    """A Growth org whose Owner set its name and brand colour over the API."""
    org = await new_org(plan="Growth", status="Active")
    owner = issuer.operator_auth(org.org_id, "Owner", sub=f"user_{uuid.uuid4().hex[:8]}")
    async with http.patch("/api/organizations/me", headers=owner,
                          json={"name": BRAND_NAME, "primaryBrandColor": BRAND_COLOR}) as r:
        assert r.status == 200, await r.text()
    return org


def commission_of(amount_cents: int, percent: float) -> int:
    """The program's Percentage terms, rounded half up (README: Commission)."""
    exact = Decimal(amount_cents) * Decimal(str(percent)) / 100
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def booked_sale(http: aiohttp.ClientSession, s: Seller, amount_cents: int) -> int:
    status, made = await post_signed(http, s.org, sale(s.slug, amountCents=amount_cents))
    assert status == 200, made
    conversion = await get_conversion(http, s.org, made["conversionId"])
    expected = commission_of(amount_cents, s.program["defaultCommissionValue"])
    assert (conversion["commissionCents"], conversion["status"]) == (expected, "Pending")
    return expected


async def visit(context: Any, url: str) -> tuple[Any, str, ServerAnswers]:
    """A fresh page at ``url``, once its widget has settled: the page, the widget's state and
    what the gateway answered (the widget's call first; after a refusal the page may not
    read, the widget's no-cors probe)."""
    page = await context.new_page()
    answers = await ServerAnswers.watch(context, page)
    await page.goto(url)
    return page, await settled(page), answers


async def test_an_allowed_origin_shows_the_real_figures_another_is_refused(
        http: aiohttp.ClientSession, stack: Stack, issuer: TestIssuer, sites: LocalPages,
        browser: Any) -> None:
    org = await growth_brand(http, issuer)
    program = await create_program(http, org, autoApprove=True)
    s = Seller(org, program, await create_affiliate(http, org, program["id"],
                                                    fullName=AFFILIATE_NAME))
    first, second = 12347, 5001  # 20%: 2469.4 -> 2469 and 1000.2 -> 1000
    commissions = [await booked_sale(http, s, amount) for amount in (first, second)]
    minted = await mint(http, org.auth, s.affiliate["id"], allowedOrigins=sites.origins[0])
    sites.html = brand_page(stack.base_url, minted["token"])
    context = await browser.new_context(user_agent=DESKTOP)

    page, state, answers = await visit(context, f"{sites.origins[0]}/account/affiliate")
    assert state == "ready"
    [(origin, status, _body)] = answers.seen
    assert (origin, status) == (sites.origins[0], 200)
    earned = sum(commissions)
    assert [await figure(page, key) for key in ("earned", "paid", "pending")] == [
        usd(earned), usd(0), usd(earned)]
    widget = page.locator(WIDGET)
    assert await widget.locator(".rk-brand").inner_text() == BRAND_NAME
    assert await widget.locator(".rk-program").inner_text() == s.program["name"]
    assert await widget.locator(".rk-who").inner_text() == AFFILIATE_NAME
    header = await widget.locator(".rk-head").evaluate("e => getComputedStyle(e).backgroundColor")
    assert header == "rgb(59, 7, 100)"  # BRAND_COLOR
    rows = await widget.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].slice(1).map(c => c.textContent))")
    assert rows == [[usd(second), usd(commissions[1]), "Pending"],
                    [usd(first), usd(commissions[0]), "Pending"]]  # newest first
    assert await context.cookies() == []
    assert await page.evaluate("localStorage.length + sessionStorage.length") == 0

    page, state, answers = await visit(context, f"{sites.origins[1]}/account/affiliate")
    assert state == "refused"
    origin, status, body = answers.seen[0]
    assert (origin, status, body["error"]) == (sites.origins[1], 403, "origin_not_allowed"), body
    assert await page.locator(f"{WIDGET} .rk-figures").count() == 0
    assert "not allowed" in await page.locator(f"{WIDGET} [data-reason]").inner_text()
    await context.close()


async def test_an_expired_token_shows_the_expired_state(
        http: aiohttp.ClientSession, stack: Stack, issuer: TestIssuer, sites: LocalPages,
        browser: Any) -> None:
    org = await growth_brand(http, issuer)
    s = await seller(http, org)
    minted = await mint(http, org.auth, s.affiliate["id"], allowedOrigins=sites.origins[0])
    sites.html = brand_page(stack.base_url, minted["token"])
    context = await browser.new_context(user_agent=DESKTOP)

    page, state, _answers = await visit(context, sites.origins[0])
    assert state == "empty"  # no sale yet: the figures, and no conversions
    assert [await figure(page, key) for key in ("earned", "paid", "pending")] == [usd(0)] * 3

    await expire(minted["id"])
    _page, state, answers = await visit(context, sites.origins[0])
    assert state == "expired"
    [(origin, status, body)] = answers.seen
    assert (origin, status, body["error"]) == (sites.origins[0], 401, "token_expired")
    await context.close()


def frame_page(gateway: str, token: str) -> str:
    """The README's iframe alternative: the gateway's own page in the brand's page."""
    return ("<!doctype html><html lang='en'><body><h1>Brand app</h1>"
            "<iframe title='Affiliate dashboard' style='width:100%;height:520px;border:0' "
            f"src='{gateway}/embed/v1/dashboard?token={token}&amp;locale=en-US'></iframe>"
            "</body></html>")


async def test_the_iframe_page_shows_the_figures_only_where_the_token_allows(
        http: aiohttp.ClientSession, stack: Stack, issuer: TestIssuer, sites: LocalPages,
        browser: Any) -> None:
    org = await growth_brand(http, issuer)
    s = await seller(http, org)
    commission = await booked_sale(http, s, 4321)  # 20%: 864.2 -> 864
    # The widget's call now comes from the gateway's own page: its origin is listed too.
    minted = await mint(http, org.auth, s.affiliate["id"],
                        allowedOrigins=f"{sites.origins[0]},{stack.base_url}")
    sites.html = frame_page(stack.base_url, minted["token"])
    context = await browser.new_context(user_agent=DESKTOP)

    page = await context.new_page()
    async with page.expect_response(lambda r: DASHBOARD in r.url) as answered:
        await page.goto(sites.origins[0])
    response = await answered.value
    assert response.status == 200, await response.text()
    assert await response.request.header_value("origin") is None  # same-origin: none is sent
    [frame] = [f for f in page.frames if f.url.startswith(f"{stack.base_url}/embed/v1/")]
    assert await settled(frame) == "ready"
    assert [await figure(frame, key) for key in ("earned", "paid", "pending")] == [
        usd(commission), usd(0), usd(commission)]
    assert await frame.locator(f"{WIDGET} .rk-brand").inner_text() == BRAND_NAME

    calls: list[str] = []
    other = await context.new_page()
    other.on("request", lambda request: calls.append(request.url) if DASHBOARD in request.url
             else None)
    await other.goto(sites.origins[1], wait_until="load")  # the frame has loaded or failed by then
    [blocked] = other.main_frame.child_frames
    assert await blocked.locator(WIDGET).count() == 0  # frame-ancestors: not rendered here
    assert calls == []
    await context.close()
