"""The embed widget's files as the gateway serves them: the script (type, caching, ETag and
304) and the iframe page (its element attributes from the validated query, its headers). The
widget itself runs in a real browser in test_embed_browser.py."""

from __future__ import annotations

import aiohttp

from services.gateway.entrypoints.http.embed_widget_views import SCRIPT
from tests.common.embed_api import mint
from tests.common.orgs import new_org
from tests.common.s2s import seller

JS = "/embed/v1/dashboard.js"
PAGE = "/embed/v1/dashboard"


async def test_the_script_is_served_cacheable_with_an_etag(http: aiohttp.ClientSession) -> None:
    async with http.get(JS) as response:
        body = await response.read()
        headers = response.headers
    assert response.status == 200
    assert headers["Content-Type"] == "application/javascript; charset=utf-8"
    assert body == SCRIPT.read_bytes()
    assert (headers["Cache-Control"], headers["Access-Control-Allow-Origin"]) == (
        "public, max-age=300", "*")
    etag = headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 10

    for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        async with http.get(JS, headers={"If-None-Match": if_none_match}) as again:
            assert again.status == 304, if_none_match
            assert await again.read() == b""
            assert again.headers["ETag"] == etag
    async with http.get(JS, headers={"If-None-Match": '"stale"'}) as changed:
        assert changed.status == 200
        assert await changed.read() == body
    async with http.head(JS) as head:
        assert (head.status, head.headers["ETag"]) == (200, etag)


async def test_the_iframe_page_holds_one_widget_element(http: aiohttp.ClientSession) -> None:
    query = {"token": "tok_AZaz09-_.~+/=", "currency": "EUR", "locale": "de-DE"}
    async with http.get(PAGE, params=query) as response:
        html = await response.text()
        headers = response.headers
    assert response.status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert ('<div data-rekomi-embed data-token="tok_AZaz09-_.~+/=" data-currency="EUR" '
            'data-locale="de-DE"></div>') in html
    assert '<script src="dashboard.js"></script>' in html and '<html lang="de-DE">' in html
    assert (headers["Cache-Control"], headers["Referrer-Policy"]) == ("no-store", "no-referrer")
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors" not in headers["Content-Security-Policy"]  # no such token


async def test_only_the_tokens_origins_may_frame_its_page(http: aiohttp.ClientSession) -> None:
    s = await seller(http, await new_org(plan="Growth"))
    origins = ["https://app.yourapp.com", "http://localhost:3000"]
    for allowed, framers in ((",".join(origins), " ".join(origins)), ("", "'none'")):
        minted = await mint(http, s.org.auth, s.affiliate["id"], allowedOrigins=allowed,
                            rotate=True)
        async with http.get(PAGE, params={"token": minted["token"]}) as response:
            assert response.status == 200
            policy = response.headers["Content-Security-Policy"]
        assert policy.endswith(f"; frame-ancestors {framers}"), policy


async def test_the_iframe_page_refuses_what_it_cannot_write(http: aiohttp.ClientSession
                                                            ) -> None:
    for query, field in (({}, "token"), ({"token": '"><script>'}, "token"),
                         ({"token": "abc", "currency": "eur"}, "currency"),
                         ({"token": "abc", "locale": 'en"x'}, "locale")):
        async with http.get(PAGE, params=query) as response:
            body = await response.json()
        assert response.status == 400, query
        assert (body["error"], body["field"]) == ("validation_failed", field), body
