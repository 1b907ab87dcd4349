"""Idempotency-Key on the routes flagged ``idempotent``. The view runs this after the gates and
the body's validation (a request refused there never touches the key table) and hands over the
route's run: a replay or a 409 answers instead, or the route runs once and its answer is kept
(or the key freed, on a 5xx)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg
from aiohttp import hdrs, web

from libs.shared.clock import now_utc
from libs.shared.errors import RekomiError
from services.gateway.adapters.idempotency_repository import Attempt, Claim
from services.gateway.domain.idempotency import (
    KEY_HEADER,
    StoredResponse,
    fingerprint,
    valid_key,
)
from services.gateway.entrypoints.http.errors import error_response
from services.gateway.entrypoints.http.keys import POOL, SETTINGS
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.service_layer.idempotency import begin, settle

log = logging.getLogger(__name__)
REPLAYED_HEADER = "Idempotency-Replayed"
Run = Callable[[], Awaitable[web.StreamResponse]]


def requested_key(request: web.Request, route: Route) -> str | None:
    """The validated key; None when the route takes none or the caller sent none."""
    raw = request.headers.get(KEY_HEADER) if route.idempotent else None
    return None if raw is None else valid_key(raw)


async def run_once(request: web.Request, route: Route, org_id: uuid.UUID, key: str,
                   run: Run) -> web.StreamResponse:
    """A REST request is the same one again when its method, path and body bytes are."""
    request_fingerprint = fingerprint(request.method, request.path_qs, await request.read())
    return await run_fingerprinted(request.app, route, org_id, key, request_fingerprint, run)


async def run_fingerprinted(app: web.Application, route: Route, org_id: uuid.UUID, key: str,
                            request_fingerprint: bytes, run: Run) -> web.StreamResponse:
    """``run_once`` for a caller that tells what makes two of its requests the same one (an
    MCP tool call, whose HTTP request is a JSON-RPC envelope with an id of its own)."""
    settings = app[SETTINGS]
    attempt = Attempt(org_id, key, f"{route.method} {route.path}", request_fingerprint)
    begun = await begin(app[POOL], attempt, now=now_utc(),
                        window=timedelta(seconds=settings.idempotency_window_seconds),
                        lease=timedelta(seconds=settings.idempotency_lease_seconds))
    if isinstance(begun, StoredResponse):
        return replayed(begun)
    try:
        response = await run()
    except RekomiError as exc:
        # The edge answers the error; the same answer is what a replay gives.
        await _settle(app, begun, error_response(exc))
        raise
    except Exception:
        await _settle(app, begun, None)
        raise
    await _settle(app, begun, response)
    return response


def replayed(stored: StoredResponse) -> web.Response:
    headers = {REPLAYED_HEADER: "true"}
    if stored.content_type is not None:
        headers[hdrs.CONTENT_TYPE] = stored.content_type
    return web.Response(status=stored.status, body=stored.body, headers=headers)


def _storable(response: web.StreamResponse) -> StoredResponse | None:
    """What a replay needs; None for an answer that was streamed rather than held in memory."""
    if not isinstance(response, web.Response) or not isinstance(response.body, bytes | None):
        return None
    return StoredResponse(response.status, response.body or b"",
                          response.headers.get(hdrs.CONTENT_TYPE))


async def _settle(app: web.Application, claim: Claim, response: web.StreamResponse | None
                  ) -> None:
    """The route has run: the caller gets its answer even when keeping it fails (the key then
    stays in flight until its lease ends, and a retry runs again after that)."""
    try:
        kept = await settle(app[POOL], claim,
                            None if response is None else _storable(response))
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        log.exception("idempotency key not settled", extra={"key": claim.key})
        return
    if not kept:
        log.warning("idempotency key taken over before its answer was kept",
                    extra={"key": claim.key})
