"""The self-service API-key endpoints as tests call them (an Owner's dashboard JWT), and the
gateway's row of a key as the database holds it."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
import asyncpg

from libs.shared.settings import Settings

API_KEYS = "/api/v1/api-keys"


async def create(http: aiohttp.ClientSession, auth: dict[str, str], *, scope: str = "read",
                 kind: str = "live", name: str = "CI deploys") -> dict[str, Any]:
    async with http.post(API_KEYS, json={"scope": scope, "kind": kind, "name": name},
                         headers=auth) as response:
        body = await response.json()
        assert response.status == 201, body
    assert isinstance(body, dict)
    return body


async def listed(http: aiohttp.ClientSession, auth: dict[str, str], **params: str
                 ) -> dict[str, Any]:
    async with http.get(API_KEYS, params=params, headers=auth) as response:
        body = await response.json()
        assert response.status == 200, body
    assert isinstance(body, dict)
    return body


async def listed_key(http: aiohttp.ClientSession, auth: dict[str, str], key_id: str
                     ) -> dict[str, Any]:
    found = [k for k in (await listed(http, auth, take="200"))["items"] if k["id"] == key_id]
    assert len(found) == 1, key_id
    return found[0]


async def revoke(http: aiohttp.ClientSession, auth: dict[str, str], key_id: str
                 ) -> tuple[int, bytes]:
    async with http.delete(f"{API_KEYS}/{key_id}", headers=auth) as response:
        return response.status, await response.read()


async def key_row(key_id: str) -> dict[str, Any]:
    """Every column of the key's row, as the database holds it."""
    conn = await asyncpg.connect(Settings().database_url)
    try:
        row = await conn.fetchrow("SELECT * FROM gateway.api_keys WHERE id = $1",
                                  uuid.UUID(key_id))
    finally:
        await conn.close()
    assert row is not None, key_id
    return dict(row)


def bearer(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}
