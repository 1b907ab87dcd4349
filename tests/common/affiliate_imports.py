"""Helpers for the roster-import end-to-end tests: the import call, rows, and reading what the
ledger stored (to check what the API deliberately does not return)."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
import asyncpg

from libs.shared.settings import Settings
from tests.common.events import EventRecorder
from tests.common.orgs import Org

IMPORT = "/api/v1/affiliates/import"
AFFILIATES = "/api/v1/affiliates"
JOB_KEYS = frozenset({"jobId", "status", "kind", "total", "imported", "skipped", "errored",
                      "reasons"})


def rows(n: int, *, domain: str | None = None, **fields: Any) -> list[dict[str, Any]]:
    domain = domain or f"{uuid.uuid4().hex[:8]}.example.com"
    return [{"email": f"user{i}@{domain}", "fullName": f"User {i}", **fields} for i in range(n)]


async def post_import(http: aiohttp.ClientSession, org: Org, program_id: str,
                      affiliates: list[dict[str, Any]], **extra: Any) -> aiohttp.ClientResponse:
    body = {"programId": program_id, "affiliates": affiliates, **extra}
    response = await http.post(IMPORT, json=body, headers=org.auth)
    await response.read()
    return response


async def imported(http: aiohttp.ClientSession, org: Org, program_id: str,
                   affiliates: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    response = await post_import(http, org, program_id, affiliates, **extra)
    body: dict[str, Any] = await response.json()
    assert response.status == 200, body
    assert set(body) == JOB_KEYS, body
    return body


async def all_affiliates(http: aiohttp.ClientSession, org: Org, program_id: str
                         ) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    params = {"take": "200", "programId": program_id}
    while True:
        async with http.get(AFFILIATES, params=params, headers=org.auth) as response:
            page = await response.json()
            assert response.status == 200, page
        items += page["items"]
        if not page["hasMore"]:
            return items
        params["cursor"] = page["nextCursor"]


async def ledger_fetch(sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(Settings().database_url)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def published(recorder: EventRecorder, org: Org, routing_key: str, expected: int
                    ) -> int:
    """How many ``routing_key`` events of ``org`` reached the bus (waiting for ``expected``)."""
    return len(await recorder.settled(
        lambda d: d.routing_key == routing_key and d.body.get("orgId") == org.org_id,
        expected))


async def job_row(job_id: str) -> asyncpg.Record:
    [row] = await ledger_fetch("SELECT * FROM ledger.migration_jobs WHERE id = $1",
                               uuid.UUID(job_id))
    return row
