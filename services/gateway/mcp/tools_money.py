"""Tools for conversions, payouts, the dashboard, insights and the audit log."""

from __future__ import annotations

from services.gateway.mcp.server import Tool

MONEY_TOOLS: list[Tool] = []
