"""Browser-facing tracking views: they answer JavaScript, a GIF or a redirect rather than
JSON, add the public-tracking CORS headers, and pass request details (User-Agent, the
proxy's country header, Referer) to the tracking service."""

from __future__ import annotations

import base64
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiohttp import web

from libs.contracts.tracking import LOADER_SCRIPT, RECORD_CLICK, REDIRECT_SHORT_LINK
from libs.shared.errors import RekomiError
from services.gateway.entrypoints.http.errors import error_response, json_response
from services.gateway.entrypoints.http.keys import BUS

CORS = {"Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "86400"}
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
LOADER_CACHE_SECONDS = 60.0
_loader: dict[str, Any] = {"at": 0.0, "script": None}


def visitor(request: web.Request) -> dict[str, Any]:
    headers = request.headers
    return {"userAgent": headers.get("User-Agent"),
            "country": headers.get("CF-IPCountry") or headers.get("X-Country"),
            "referer": headers.get("Referer")}


async def loader(request: web.Request, _payload: dict[str, Any]) -> web.StreamResponse:
    """Served from a per-replica copy refreshed every minute; browsers keep it an hour."""
    if _loader["script"] is None or time.monotonic() - _loader["at"] > LOADER_CACHE_SECONDS:
        found = await LOADER_SCRIPT.call(request.app[BUS], {})
        _loader.update(at=time.monotonic(), script=found["script"])
    return web.Response(text=_loader["script"], content_type="application/javascript",
                        headers={**CORS, "Cache-Control": "public, max-age=3600"})


async def preflight(_request: web.Request, _payload: dict[str, Any]) -> web.StreamResponse:
    return web.Response(status=204, headers=CORS)


async def click(request: web.Request, payload: dict[str, Any]) -> web.StreamResponse:
    try:
        result = await RECORD_CLICK.call(request.app[BUS], {
            "source": "js", "visitor": visitor(request), "data": payload["data"]})
    except RekomiError as exc:
        response = error_response(exc)
        response.headers.update(CORS)
        return response
    response = json_response(result)
    response.headers.update({**CORS, "Cache-Control": "no-store"})
    return response


def _gif_landing(request: web.Request) -> str:
    """The page the pixel sits on (``url`` or the Referer), plus any params on the pixel URL."""
    query = dict(request.query)
    base = query.pop("url", None) or request.headers.get("Referer") or ""
    parts = urlsplit(base)
    merged = {**dict(parse_qsl(parts.query)), **query}
    return urlunsplit(parts._replace(query=urlencode(merged)))


async def gif(request: web.Request, _payload: dict[str, Any]) -> web.StreamResponse:
    """Always the pixel, answered without waiting for the tracking service (its answer would
    change nothing here): the click is cast, not called, within the bounded-loss choice for
    clicks (a click tracking does not take within the RPC timeout expires)."""
    payload = {"source": "gif", "visitor": visitor(request),
               "data": {"landingUrl": _gif_landing(request)[:2048]}}
    RECORD_CLICK.cast(request.app[BUS], payload)
    return web.Response(body=GIF, content_type="image/gif",
                        headers={**CORS, "Cache-Control": "no-store"})


async def redirect(request: web.Request, _payload: dict[str, Any]) -> web.StreamResponse:
    found = await REDIRECT_SHORT_LINK.call(request.app[BUS], {
        "slug": request.match_info["slug"][:64], "visitor": visitor(request),
        "query": dict(request.query)})
    return web.Response(status=302, headers={"Location": found["location"],
                                             "Cache-Control": "no-store"})
