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


async def authenticate(header: str | None, cache: PrincipalCache) -> Principal:
    token = bearer_token(header)
    if token is None:
        raise Unauthorized("missing API key: send Authorization: Bearer rk_live_...")
    if not secrets.looks_like_key(token):
        raise Unauthorized("invalid API key")
    principal = await cache.lookup(secrets.hash_key(token))
    if principal is None:
        raise Unauthorized("invalid or revoked API key")
    return principal
