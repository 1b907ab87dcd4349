"""The MCP server's tools and the REST routes they are (listed in the README)."""

from __future__ import annotations

from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.routes import ROUTES
from services.gateway.mcp.route_tools import RouteTool
from services.gateway.mcp.server import Tool

_BY_KEY = {(r.method, r.path): r for r in ROUTES}


def route(method: str, path: str) -> Route:
    return _BY_KEY[(method, path)]


TOOLS: list[Tool] = [
    RouteTool("list_programs", route("GET", "/api/v1/programs"),
              "Every program (campaign) of the organization with its commission terms."),
    RouteTool("create_program", route("POST", "/api/v1/programs"),
              "Creates a program with its commission terms."),
]
