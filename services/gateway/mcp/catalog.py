"""The MCP server's tools, gathered from their groups (listed with their REST routes in the
README's "MCP server")."""

from __future__ import annotations

from services.gateway.mcp.server import Tool
from services.gateway.mcp.tools_brand import BRAND_TOOLS
from services.gateway.mcp.tools_money import MONEY_TOOLS
from services.gateway.mcp.tools_org import ORG_TOOLS

TOOLS: list[Tool] = [*BRAND_TOOLS, *MONEY_TOOLS, *ORG_TOOLS]
