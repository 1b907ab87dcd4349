"""The edge every request crosses: request id, authentication, rate limit, error envelope,
metrics. Views behind it only see authenticated, rate-limited calls."""

from __future__ import annotations

import logging
import time

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler
from redis.exceptions import RedisError

from libs.shared.db import database_unavailable
from libs.shared.errors import RekomiError
from libs.shared.ids import new_ulid
from libs.shared.logging import request_id_var
from libs.shared.metrics import HTTP_REQUESTS, HTTP_SECONDS, child
from libs.shared.settings import Settings
from services.gateway.domain.errors import PayloadTooLarge, RateLimited, Unauthorized
from services.gateway.domain.principal import Principal
from services.gateway.entrypoints.http.errors import envelope_response, error_response
from services.gateway.entrypoints.http.keys import (
    AFFILIATE,
    LIMITER,
    PRINCIPAL,
    QUOTA_REMAINING,
    SETTINGS,
)
from services.gateway.entrypoints.http.parsing import screen_headers, screen_text
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.signin import caller_of
from services.gateway.mcp.calls import MCP_PATH

log = logging.getLogger(__name__)
OPS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# The reference lets S2S callers send their key as X-Rekomi-Api-Key instead of a bearer.
API_KEY_HEADER = "X-Rekomi-Api-Key"
API_KEY_HEADER_PATHS = frozenset({"/api/tracking/s2s", "/api/tracking/lead"})


@web.middleware
async def edge(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = _request_id(request)
    request_id_var.set(request_id)
    started = time.perf_counter()
    route = getattr(request.match_info.handler, "rekomi_route", None)
    label = route.path if route is not None else "other"
    try:
        screen_headers(request)
        screen_text(request)
        response = await _guarded(request, handler, route)
    except RekomiError as exc:
        response = error_response(exc)
        if isinstance(exc, RateLimited) and route is not None and route.readable_limits:
            _readable_by_the_page(request, response)
    except web.HTTPException as exc:
        response = _http_exception(exc)
    except Exception as exc:
        if database_unavailable(exc):  # PostgreSQL (or Redis) restarting or away: retry
            log.warning("database unavailable", extra={"path": request.path,
                                                       "error": repr(exc)})
            response = envelope_response("upstream_unavailable",
                                         "a server this call needs is unavailable; retry shortly")
            response.headers["Retry-After"] = "1"
        else:
            log.exception("unhandled error", extra={"path": request.path})
            response = envelope_response("internal_error", "internal error")
    response.headers["X-Request-Id"] = request_id
    if QUOTA_REMAINING in request:
        response.headers["X-RateLimit-Remaining"] = str(request[QUOTA_REMAINING])
    child(HTTP_REQUESTS, label, request.method, str(response.status)).inc()
    child(HTTP_SECONDS, label).observe(time.perf_counter() - started)
    return response


def _readable_by_the_page(request: web.Request, response: web.StreamResponse) -> None:
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is not None:
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
        response.headers[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = "Retry-After"
        response.headers.add(hdrs.VARY, "Origin")


def _request_id(request: web.Request) -> str:
    """The caller's id when it is short, printable ASCII (it is echoed in a header and logged)."""
    supplied = request.headers.get("X-Request-Id", "")
    usable = 0 < len(supplied) <= 200 and supplied.isascii() and supplied.isprintable()
    return supplied if usable else new_ulid()


async def _guarded(request: web.Request, handler: Handler, route: Route | None
                   ) -> web.StreamResponse:
    if request.path in OPS_PATHS or request.path == MCP_PATH:
        return await handler(request)  # /mcp authenticates and limits its callers itself
    if route is None or route.public:
        # Unknown routes and public ones: limited per client address (a provider's webhooks
        # per org endpoint).
        policy = route.rate_policy if route is not None else "anonymous"
        who = request.path if policy == PROVIDER_WEBHOOK else request.remote
        await rate_limit(request, f"{policy}:{who}", policy=policy)
        return await handler(request)
    try:
        caller = await caller_of(request, route, credentials(request, route))
    except Unauthorized:
        # Failed authentication counts against the client address: slows key guessing.
        await rate_limit(request, f"anonymous:{request.remote}", policy="anonymous")
        raise
    if isinstance(caller, Principal):
        request[PRINCIPAL] = caller
    else:
        request[AFFILIATE] = caller
    subject = caller.rate_subject  # the API key, the operator or the affiliate
    await rate_limit(request, subject, policy="api_key")
    await route_rate_limit(request, route, subject)
    return await handler(request)


async def route_rate_limit(request: web.Request, route: Route, subject: str) -> None:
    """A route's own policy (e.g. "import") is a second, tighter count per caller, whether
    the route is called over REST or as an MCP tool."""
    if route.rate_policy != "anonymous":
        await rate_limit(request, f"{route.rate_policy}:{subject}", policy=route.rate_policy)


def credentials(request: web.Request, route: Route) -> str | None:
    """The Authorization header; on the S2S routes, ``X-Rekomi-Api-Key`` may stand in for it."""
    header = request.headers.get("Authorization")
    alternative = request.headers.get(API_KEY_HEADER, "").strip()
    if header is None and alternative and route.path in API_KEY_HEADER_PATHS:
        return f"Bearer {alternative}"
    return header


PROVIDER_WEBHOOK = "provider_webhook"


def _limit(settings: Settings, policy: str) -> int:
    return {"api_key": settings.rate_limit_per_minute,
            "strict_write": settings.strict_write_rate_limit_per_minute,
            "import": settings.import_rate_limit_per_minute,
            "embed": settings.embed_ip_rate_limit_per_minute,
            "embed_token": settings.embed_token_rate_limit_per_minute,
            PROVIDER_WEBHOOK: settings.provider_webhook_rate_limit_per_minute,
            }.get(policy, settings.anonymous_rate_limit_per_minute)


async def rate_limit(request: web.Request, subject: str, *, policy: str) -> None:
    """Count this call against ``subject`` under ``policy``'s limit: 429 ``rate_limited``
    past it (the embedded dashboard's view counts its token here too)."""
    limit = _limit(request.app[SETTINGS], policy)
    try:
        quota = await request.app[LIMITER].hit(subject, limit)
    except (RedisError, OSError):
        # Fail open: losing the limiter must not take the API down with it.
        log.warning("rate limiter unavailable; request allowed")
        return
    # With two policies on one call, the header shows the tighter one.
    request[QUOTA_REMAINING] = min(quota.remaining,
                                   request.get(QUOTA_REMAINING, quota.remaining))
    if not quota.allowed:
        raise RateLimited(f"rate limit of {limit} requests per minute exceeded; retry after "
                          f"{quota.retry_after}s", extra={"retryAfter": quota.retry_after})


def _http_exception(exc: web.HTTPException) -> web.StreamResponse:
    if isinstance(exc, web.HTTPNotFound):
        return envelope_response("route_not_found", "no such route")
    if isinstance(exc, web.HTTPMethodNotAllowed):
        response = envelope_response("method_not_allowed", f"{exc.method} is not allowed here")
        response.headers["Allow"] = ", ".join(sorted(exc.allowed_methods))
        return response
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        return error_response(PayloadTooLarge("request body is too large"))
    if exc.status < 400:
        return exc
    return envelope_response("internal_error" if exc.status >= 500 else "bad_request",
                             exc.reason, None)
