"""Tools for webhooks, settings, the organization and billing state, embed tokens, leads and
the install assistant."""

from __future__ import annotations

from services.gateway.mcp.server import Tool

ORG_TOOLS: list[Tool] = []
