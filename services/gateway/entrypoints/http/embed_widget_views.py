"""The embed widget's browser-facing files: the script a brand's page includes
(``/embed/v1/dashboard.js``) and the small page a brand may put in an iframe instead
(``/embed/v1/dashboard?token=``). Both are static but for the page's element attributes; the
figures come from the public embed endpoint, called by the browser with its Origin."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from aiohttp import web
from yarl import URL

from services.gateway.domain.embed import origin_of
from services.gateway.domain.embed_frame import frame_ancestors
from services.gateway.domain.secrets import hash_key
from services.gateway.entrypoints.http.keys import PRINCIPALS, SETTINGS

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "embed" / "dashboard.js"
# Public and the same for every brand: any page may load it (CORS, CORP), caches may keep it
# five minutes and then revalidate it with its ETag.
SCRIPT_HEADERS = {"Cache-Control": "public, max-age=300",
                  "Access-Control-Allow-Origin": "*",
                  "Cross-Origin-Resource-Policy": "cross-origin",
                  "X-Content-Type-Options": "nosniff"}
# The page carries a token in its URL: never cached, never sent on as a Referer; it runs our
# script alone and talks to this origin alone.
PAGE_HEADERS = {"Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff"}
PAGE_POLICY = ("default-src 'none'; script-src 'self'; connect-src 'self'; "
               "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")
PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Affiliate dashboard</title>
<style>body {{ margin: 0; padding: 8px; font-family: system-ui, sans-serif; }}</style>
</head>
<body>
<div data-rekomi-embed {attributes}></div>
<script src="dashboard.js"></script>
</body>
</html>
"""
PAGE_ATTRIBUTES = {"token": "data-token", "currency": "data-currency", "locale": "data-locale"}


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    etag: str


@cache
def widget_script() -> StaticFile:
    body = SCRIPT.read_bytes()
    return StaticFile(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """``If-None-Match`` names the current tag (weak comparison, as RFC 9110 has it) or is
    ``*``."""
    if if_none_match is None:
        return False
    tags = (tag.strip() for tag in if_none_match.split(","))
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in tags)


async def script(request: web.Request, _payload: dict[str, Any]) -> web.StreamResponse:
    found = widget_script()
    headers = {**SCRIPT_HEADERS, "ETag": found.etag}
    if not_modified(request.headers.get("If-None-Match"), found.etag):
        return web.Response(status=304, headers=headers)
    return web.Response(body=found.body, content_type="application/javascript",
                        charset="utf-8", headers=headers)


def page_html(payload: dict[str, Any]) -> str:
    """The page around one widget element. The values were validated by the route's query
    model and are escaped all the same: they land in HTML attributes."""
    attributes = " ".join(f'{name}="{escape(str(payload[key]), quote=True)}"'
                          for key, name in PAGE_ATTRIBUTES.items() if key in payload)
    lang = escape(str(payload.get("locale", "en")), quote=True)
    return PAGE.format(lang=lang, attributes=attributes)


async def page(request: web.Request, payload: dict[str, Any]) -> web.StreamResponse:
    token = await request.app[PRINCIPALS].embed_token(hash_key(payload["token"]))
    framers = frame_ancestors(token)
    policy = PAGE_POLICY if framers is None else f"{PAGE_POLICY}; frame-ancestors {framers}"
    return web.Response(text=page_html(payload), content_type="text/html",
                        headers={**PAGE_HEADERS, "Content-Security-Policy": policy})


def own_origin(request: web.Request) -> str | None:
    """This gateway's public origin (``public_base_url``, what the install snippet links)."""
    return origin_of(str(URL(request.app[SETTINGS].public_base_url).origin()))
