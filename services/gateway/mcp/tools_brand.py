"""Tools for programs, affiliates, their coupon codes and invites, and the install snippet."""

from __future__ import annotations

from services.gateway.mcp.route_lookup import route
from services.gateway.mcp.route_tools import RouteTool
from services.gateway.mcp.server import Tool

BRAND_TOOLS: list[Tool] = [
    RouteTool("list_programs", route("GET", "/api/v1/programs"),
              "Every program (campaign) of the organization with its commission terms."),
    RouteTool("create_program", route("POST", "/api/v1/programs"),
              "Creates a program with its commission terms."),
]
