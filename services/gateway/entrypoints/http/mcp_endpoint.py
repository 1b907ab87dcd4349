"""``/mcp``: the MCP server's one endpoint (POST for calls; the SDK answers GET and DELETE as
a stateless server does). The caller is authenticated and rate-limited here, as a REST call
is, before the SDK sees the request."""

from __future__ import annotations

from aiohttp import web

from services.gateway.domain.errors import Unauthorized
from services.gateway.entrypoints.http.keys import KEY_USAGE, MCP, PRINCIPALS
from services.gateway.entrypoints.http.middleware import rate_limit
from services.gateway.mcp.calls import MCP_PATH, McpCall
from services.gateway.service_layer.authenticate import authenticate

__all__ = ["MCP_PATH", "mcp_endpoint"]


async def mcp_endpoint(request: web.Request) -> web.StreamResponse:
    try:
        principal = await authenticate(request.headers.get("Authorization"),
                                       request.app[PRINCIPALS], mcp=True)
    except Unauthorized:
        # Failed authentication counts against the client address: slows key guessing.
        await rate_limit(request, f"anonymous:{request.remote}", policy="anonymous")
        raise
    assert principal.key_id is not None
    request.app[KEY_USAGE].touch(principal.key_id)
    await rate_limit(request, principal.rate_subject, policy="api_key")
    return await request.app[MCP].answer(request, McpCall(principal, request))
