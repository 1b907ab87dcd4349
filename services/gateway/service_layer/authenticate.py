"""From an ``Authorization`` header to a principal, or a 401."""

from __future__ import annotations

from services.gateway.adapters.principal_cache import PrincipalCache
from services.gateway.domain import secrets
from services.gateway.domain.errors import Unauthorized
from services.gateway.domain.principal import Principal


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def authenticate(header: str | None, cache: PrincipalCache, *, mcp: bool = False
                       ) -> Principal:
    """An API key's principal. ``mcp``: the MCP server's call, which takes MCP keys only
    (``rk_mcp_``), so its audit rows say ``mcp`` for a key made for it."""
    token = bearer_token(header)
    wanted = secrets.MCP_KEY_PREFIX if mcp else secrets.KEY_PREFIX
    if token is None:
        raise Unauthorized(f"missing API key: send Authorization: Bearer {wanted}...")
    if not secrets.looks_like_key(token):
        raise Unauthorized("invalid API key")
    if mcp and not token.startswith(wanted):
        raise Unauthorized("the MCP server takes an MCP key (rk_mcp_...): create one with "
                           "POST /api/v1/api-keys {\"kind\": \"mcp\"} or rekomi admin "
                           "create-key --kind mcp")
    principal = await cache.lookup(secrets.hash_key(token))
    if principal is None:
        raise Unauthorized("invalid or revoked API key")
    return principal
