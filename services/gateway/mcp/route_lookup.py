"""The REST route a tool is, by method and path (an unknown pair fails at import)."""

from __future__ import annotations

from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.routes import ROUTES

_BY_KEY = {(r.method, r.path): r for r in ROUTES}


def route(method: str, path: str) -> Route:
    return _BY_KEY[(method, path)]
