"""The real gateway app over test routes, in-process (edge, authentication, rate limit, views;
the real PostgreSQL, Redis and RabbitMQ): for route mechanisms no public route uses yet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from libs.shared.settings import Settings
from services.gateway.entrypoints.http.app import create_app
from services.gateway.entrypoints.http.route_table import Route

Client = TestClient[web.Request, web.Application]


@asynccontextmanager
async def serving_routes(routes: list[Route], **settings: Any) -> AsyncIterator[Client]:
    """The app over ``routes`` with ``settings`` on top of the test environment's (and a
    rate limit no test meets unless it sets one)."""
    app = create_app(Settings(**{"rate_limit_per_minute": 100_000, **settings}), routes)
    async with TestClient(TestServer(app)) as client:
        yield client
