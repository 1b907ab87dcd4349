"""The loader script, short-link redirects, the install snippet, and the link index."""

from __future__ import annotations

import uuid

import aiohttp

from tests.common.affiliates_api import bulk, call
from tests.common.api import create_program, expect_error
from tests.common.orgs import Org
from tests.common.tracking_api import IPHONE, click_rows, indexed, post_click, tracked_link

SNIPPET = "/api/v1/r/install-snippet"
SETTINGS = "/api/v1/settings/tracking"


async def test_loader_is_small_cacheable_and_cors(http: aiohttp.ClientSession) -> None:
    async with http.get("/api/v1/r/loader.js") as response:
        text = await response.text()
        assert response.status == 200
        assert response.content_type == "application/javascript"
        assert response.headers["Cache-Control"] == "public, max-age=3600"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert len(text) < 8192
    for needle in ("/api/v1/r/click", "/api/v1/r/lead/signup", "sendBeacon", "keepalive",
                   "convert", "identify", "max-age=", "data-rkmi-params"):
        assert needle in text, needle
    assert "import " not in text and "require(" not in text


async def _set_landing(http: aiohttp.ClientSession, org: Org, url: str | None) -> None:
    async with http.patch(SETTINGS, json={"landingUrl": url}, headers=org.auth) as response:
        body = await response.json()
        assert response.status == 200, body
    assert body == {"landingUrl": url}


async def test_short_link_redirects_after_recording(http: aiohttp.ClientSession,
                                                    org: Org) -> None:
    link = await tracked_link(http, org)
    async with http.get(f"/r/{link.slug}", allow_redirects=False) as response:
        await expect_error(response, 404, "landing_url_not_configured")
    await _set_landing(http, org, "https://brand.example/welcome?lang=en")
    async with http.get(f"/r/{link.slug}", params={"utm_source": "tw"},
                        allow_redirects=False,
                        headers={"User-Agent": IPHONE, "Referer": "https://t.co/x",
                                 "CF-IPCountry": "GB"}) as response:
        assert response.status == 302
        location = response.headers["Location"]
    assert location.startswith("https://brand.example/welcome?")
    assert f"via={link.slug}" in location and "lang=en" in location
    [row] = await click_rows(link.slug, 1)
    assert (row["source"], row["referrer_host"], row["utm_source"], row["country"],
            row["device_class"]) == ("redirect", "t.co", "tw", "GB", "Mobile")
    # The loader on the landing page asks for the cookie without counting the visit again.
    again = await post_click(http, {"landingUrl": location, "prerecorded": True})
    assert again["attributedSlug"] == link.slug
    await click_rows(link.slug, 1)


async def test_short_link_unknown_slug_is_404(http: aiohttp.ClientSession) -> None:
    async with http.get(f"/r/nobody-{uuid.uuid4().hex[:6]}", allow_redirects=False
                        ) as response:
        await expect_error(response, 404, "link_not_found")


async def test_landing_url_is_validated(http: aiohttp.ClientSession, org: Org) -> None:
    async with http.patch(SETTINGS, json={"landingUrl": "javascript:alert(1)"},
                          headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "landingUrl")


async def test_deleted_affiliate_link_stops_resolving(http: aiohttp.ClientSession,
                                                      org: Org) -> None:
    link = await tracked_link(http, org)
    await bulk(http, org, "delete", [link.affiliate_id])
    await indexed(link.slug, active=False)
    async with http.post("/api/v1/r/click", json={"landingUrl": f"https://b/?via={link.slug}",
                                                  "slug": link.slug}) as response:
        # The in-memory view is refreshed by the event itself, not after its lifetime.
        await expect_error(response, 404, "link_not_found")


async def test_snippet_embeds_program_and_params(http: aiohttp.ClientSession,
                                                 org: Org) -> None:
    await create_program(http, org)
    newest = await create_program(http, org)
    async with http.get(SNIPPET, headers=org.auth) as response:
        body = await response.json()
        assert response.status == 200, body
    assert body["programId"] == newest["id"] and body["programSlug"] == newest["slug"]
    assert (body["withPixel"], body["hasCustomAttributionParams"],
            body["customAttributionParams"]) == (False, False, None)
    assert f'data-program-id="{newest["id"]}"' in body["snippet"]
    assert "/api/v1/r/loader.js" in body["snippet"] and "/api/v1/r/c.gif" in body["snippet"]
    async with http.patch("/api/v1/settings/attribution-params",
                          json={"custom": "my_aff,brand_ref"}, headers=org.auth) as response:
        assert response.status == 200
    async with http.get(SNIPPET, headers=org.auth) as response:
        body = await response.json()
    assert body["customAttributionParams"] == "my_aff,brand_ref"
    assert 'data-rkmi-params="my_aff,brand_ref"' in body["snippet"]


async def test_snippet_errors(http: aiohttp.ClientSession, org: Org, other_org: Org) -> None:
    async with http.get(SNIPPET, headers=org.auth) as response:
        await expect_error(response, 404, "no_program_found")
    theirs = await create_program(http, other_org)
    async with http.get(SNIPPET, params={"programId": theirs["id"]},
                        headers=org.auth) as response:
        await expect_error(response, 404, "no_program_found")
    inactive = await create_program(http, org, isActive=False)
    async with http.get(SNIPPET, params={"programId": inactive["id"]},
                        headers=org.auth) as response:
        await expect_error(response, 404, "no_program_found")
    await create_program(http, org)
    async with http.get(SNIPPET, params={"withPixel": "true"}, headers=org.auth) as response:
        await expect_error(response, 409, "pixel_not_provisioned")


async def test_affiliate_update_keeps_link_live(http: aiohttp.ClientSession, org: Org) -> None:
    link = await tracked_link(http, org)
    await call(http, "PATCH", f"/api/v1/affiliates/{link.affiliate_id}", org,
               {"status": "Paused"})
    await indexed(link.slug, active=False)
    await call(http, "PATCH", f"/api/v1/affiliates/{link.affiliate_id}", org,
               {"status": "Approved"})
    await indexed(link.slug, active=True)
