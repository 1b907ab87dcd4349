"""A request id follows a call across services: gateway -> ledger (RPC) -> outbox -> gateway."""

from __future__ import annotations

import asyncio
import time
import uuid

import aiohttp
import asyncpg

from libs.shared.settings import Settings
from tests.common.orgs import Org


async def test_request_id_travels_to_the_audit_row(http: aiohttp.ClientSession, org: Org) -> None:
    request_id = f"req-{uuid.uuid4().hex}"
    body = {"name": "Traced", "defaultCommissionType": "Fixed", "defaultCommissionValue": 5}
    headers = {**org.auth, "X-Request-Id": request_id}
    async with http.post("/api/v1/programs", json=body, headers=headers) as response:
        assert response.status == 201
        assert response.headers["X-Request-Id"] == request_id
        program_id = (await response.json())["id"]
    conn = await asyncpg.connect(Settings().database_url)
    try:
        deadline = time.monotonic() + 10
        row = None
        while row is None and time.monotonic() < deadline:
            row = await conn.fetchrow(
                "SELECT action, entity_id FROM gateway.audit_log WHERE request_id = $1",
                request_id)
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    assert row is not None, "the audit row never arrived with the caller's request id"
    assert (row["action"], row["entity_id"]) == ("program.created", program_id)


async def test_a_request_id_is_made_when_none_is_sent(http: aiohttp.ClientSession) -> None:
    async with http.get("/api/v1/programs") as first, http.get("/api/v1/programs") as second:
        assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
        assert len(first.headers["X-Request-Id"]) == 26
