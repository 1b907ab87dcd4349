"""Embed tokens and the public embedded dashboard over HTTP, as a brand's server mints them and
a browser on the brand's page reads the dashboard (with its ``Origin``)."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy

from libs.shared.db import connect
from libs.shared.settings import Settings
from services.gateway.adapters.orgs_repository import KEYS_CHANGED_CHANNEL

TOKENS = "/api/v1/embed/tokens"
DASHBOARD = "/api/embed/public/dashboard"
ORIGIN = "https://yourapp.com"


async def mint(http: aiohttp.ClientSession, headers: dict[str, str], affiliate_id: str, *,
               expect: int = 200, **body: Any) -> dict[str, Any]:
    """``POST /api/v1/embed/tokens`` for ``affiliate_id`` (allowed from ``ORIGIN`` unless the
    body says otherwise); the answer's JSON."""
    sent = {"affiliateId": affiliate_id, "allowedOrigins": ORIGIN, **body}
    async with http.post(TOKENS, json=sent, headers=headers) as response:
        answer: dict[str, Any] = await response.json(content_type=None)
        assert response.status == expect, (response.status, answer)
    return answer


async def revoke(http: aiohttp.ClientSession, headers: dict[str, str], token_id: str, *,
                 expect: int = 200) -> dict[str, Any]:
    async with http.post(f"{TOKENS}/{token_id}/revoke", json={},
                         headers=headers) as response:
        answer: dict[str, Any] = await response.json(content_type=None)
        assert response.status == expect, (response.status, answer)
    return answer


async def read(http: aiohttp.ClientSession, token: str | None, origin: str | None = ORIGIN,
               base: str = "") -> tuple[int, Any, CIMultiDictProxy[str]]:
    """``GET`` the public dashboard as a browser would (no credentials, the page's
    ``Origin``): status, JSON body and headers."""
    params = {} if token is None else {"token": token}
    headers = {} if origin is None else {"Origin": origin}
    async with http.get(f"{base}{DASHBOARD}", params=params, headers=headers) as response:
        return response.status, await response.json(content_type=None), response.headers


async def gateway_sql(sql: str, *args: Any) -> Any:
    """Run SQL on the gateway's schema (the tests' window into its own tables)."""
    conn = await connect(Settings().database_url, "gateway")
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def expire(token_id: str) -> None:
    """Move a token's ``expiresAt`` into the past, as time would (no clock is mocked), and
    NOTIFY the credential caches' channel as a revocation does, so gateways that cached the
    token read it again."""
    done = await gateway_sql("UPDATE embed_tokens SET expires_at = now() - interval '1 second' "
                             "WHERE id = $1 RETURNING id", uuid.UUID(token_id))
    assert len(done) == 1
    await gateway_sql("SELECT pg_notify($1, '')", KEYS_CHANGED_CHANNEL)
