"""Who is calling a tool, and through which HTTP request: what the /mcp handler authenticated
before the SDK took the request, carried to the tool in the request's ASGI scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from libs.contracts.common import ActorType
from services.gateway.domain.principal import Principal

SCOPE_KEY = "rekomi.mcp_call"
MCP_PATH = "/mcp"


@dataclass(frozen=True, slots=True)
class McpCall:
    principal: Principal
    request: web.Request  # the /mcp request: its app's bus, pool and caches

    def actor(self) -> dict[str, Any]:
        """``Actor``'s JSON: an MCP key's calls are audited as ``mcp``, with the key."""
        return {"type": ActorType.mcp.value, "keyId": str(self.principal.key_id),
                "userId": None, "ip": self.request.remote,
                "userAgent": self.request.headers.get("User-Agent")}
