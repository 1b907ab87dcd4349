"""``create_app(settings)``: the gateway's aiohttp application; long-lived resources live in
cleanup contexts, so tests and the process entrypoint build the same thing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import redis.asyncio as redis
from aiohttp import hdrs, web

from libs.shared import jsonutil
from libs.shared.bus import Bus
from libs.shared.db import create_pool
from libs.shared.ops import ops_routes
from libs.shared.secret_box import get_key_ring, key_ring_of
from libs.shared.settings import Settings
from services.gateway.adapters.affiliate_directory import AffiliateDirectory
from services.gateway.adapters.key_usage import KeyUsage
from services.gateway.adapters.principal_cache import PrincipalCache
from services.gateway.adapters.rate_limiter import RateLimiter
from services.gateway.adapters.sealed_secrets import seal_legacy_rows
from services.gateway.entrypoints.amqp import subscribe_all
from services.gateway.entrypoints.http.errors import json_response
from services.gateway.entrypoints.http.keys import (
    BUS,
    KEY_USAGE,
    LIMITER,
    MCP,
    OPENAPI,
    POOL,
    PRINCIPALS,
    SESSIONS,
    SETTINGS,
)
from services.gateway.entrypoints.http.mcp_endpoint import MCP_PATH, mcp_endpoint
from services.gateway.entrypoints.http.middleware import edge
from services.gateway.entrypoints.http.openapi import build_openapi
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.routes import ROUTES
from services.gateway.entrypoints.http.views import forwarding_view
from services.gateway.entrypoints.idempotency_purge import idempotency_purge
from services.gateway.entrypoints.outbox_relay import outbox_relay
from services.gateway.mcp.catalog import TOOLS
from services.gateway.mcp.server import McpServer
from services.gateway.service_layer.sessions import Sessions
from services.gateway.service_layer.token_verifier import policy_from_settings


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    pool = await create_pool(settings.database_url, "gateway", min_size=settings.db_pool_min,
                             max_size=settings.db_pool_max)
    app[POOL] = pool
    await seal_legacy_rows(pool, get_key_ring(), settings.secrets_reseal_batch)
    app[PRINCIPALS] = PrincipalCache(pool, settings.api_key_cache_seconds)
    await app[PRINCIPALS].start()
    yield
    await app[PRINCIPALS].stop()
    await pool.close()


async def _key_usage(app: web.Application) -> AsyncIterator[None]:
    """API keys' last-use times, flushed in batches (stops before the pool closes)."""
    async with KeyUsage(app[POOL]).flushing(
            app[SETTINGS].api_key_last_used_flush_seconds) as usage:
        app[KEY_USAGE] = usage
        yield


async def _redis(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    client = redis.from_url(settings.redis_url)
    app[LIMITER] = RateLimiter(client, settings.namespace)
    yield
    await client.aclose()


async def _bus(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    bus = Bus(settings.amqp_url, namespace=settings.namespace, service="gateway",
              prefetch=settings.bus_prefetch, delivery_limit=settings.bus_delivery_limit,
              rpc_timeout=settings.rpc_timeout_seconds)
    await bus.connect()
    app[BUS] = bus
    await subscribe_all(bus, app[POOL])
    yield
    await bus.close()


async def _sessions(app: web.Application) -> AsyncIterator[None]:
    """Dashboard and portal sign-in, when an issuer is trusted (the signing keys are fetched
    at the first token, not here: an issuer that is down must not keep the gateway down)."""
    settings = app[SETTINGS]
    directory = AffiliateDirectory(app[BUS], settings.jwt_affiliate_cache_seconds)
    sessions = Sessions.from_settings(settings, app[PRINCIPALS], directory)
    if sessions is not None:
        app[SESSIONS] = sessions
    yield
    if sessions is not None:
        await sessions.close()


async def _mcp(app: web.Application) -> AsyncIterator[None]:
    """The MCP server's session manager runs while the app does."""
    async with app[MCP].running():
        yield


async def _openapi(request: web.Request) -> web.Response:
    return web.Response(body=request.app[OPENAPI], content_type="application/json")


def create_app(settings: Settings, routes: list[Route] = ROUTES) -> web.Application:
    """The gateway over ``routes`` (tests pass routes of their own)."""
    app = web.Application(middlewares=[edge], client_max_size=settings.max_body_bytes)
    app[SETTINGS] = settings
    app[OPENAPI] = jsonutil.dumps(build_openapi(routes))
    # Misconfigured sign-in (an http issuer in production, HS algorithms) stops the start here.
    policy_from_settings(settings)
    # So does a missing or malformed REKOMI_SECRETS_KEYS (required outside development).
    key_ring_of(settings)
    app[MCP] = McpServer(TOOLS)
    app.cleanup_ctx.extend([_database, _key_usage, _redis, _bus, _sessions, outbox_relay,
                            idempotency_purge, _mcp])

    async def ready() -> bool:
        async with app[POOL].acquire() as conn:
            await conn.fetchval("SELECT 1")
        return app[BUS].is_connected

    app.add_routes(ops_routes(ready))
    app.router.add_get("/openapi.json", _openapi)
    app.router.add_route("*", MCP_PATH, mcp_endpoint)
    _add_routes(app.router, routes)
    return app


def _add_routes(router: web.UrlDispatcher, routes: list[Route]) -> None:
    """One resource per path. A fixed path answers 405 to any other method, even where a
    templated sibling would match it (``PATCH /api/v1/affiliates/applications`` is not a
    PATCH of an affiliate whose id is "applications")."""
    by_path: dict[str, list[Route]] = {}
    for route in routes:
        by_path.setdefault(route.path, []).append(route)
    for path, same_path in by_path.items():
        resource = router.add_resource(path)
        for route in same_path:
            view = forwarding_view(route)
            resource.add_route(route.method, view)
            if route.method == "GET":
                resource.add_route("HEAD", view)
        if "{" not in path:
            resource.add_route(hdrs.METH_ANY, _method_not_allowed(
                {m for r in same_path for m in (r.method, "HEAD" if r.method == "GET" else "")}
                - {""}))


def _method_not_allowed(allowed: set[str]) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def refuse(request: web.Request) -> web.Response:
        raise web.HTTPMethodNotAllowed(request.method, allowed)

    return refuse


__all__ = ["create_app", "json_response"]
