"""The import's safeguards over HTTP: row cap, body size, the "import" rate policy, one import
per org at a time, tenant isolation and request validation; each changes nothing."""

from __future__ import annotations

import asyncio
import io
import json
import time
import uuid

import aiohttp
import asyncpg

from libs.shared.settings import Settings
from services.ledger.imports.adapters.repository import import_lock_key
from tests.common.affiliate_imports import (
    IMPORT,
    all_affiliates,
    imported,
    ledger_fetch,
    post_import,
    rows,
)
from tests.common.api import create_program, expect_error
from tests.common.orgs import Org, new_org
from tests.common.stack import rekomi_json


async def jobs_of(org: Org) -> int:
    [row] = await ledger_fetch("SELECT count(*) AS n FROM ledger.migration_jobs "
                               "WHERE org_id = $1", uuid.UUID(org.org_id))
    return int(row["n"])


async def test_more_than_1000_rows_is_400_and_changes_nothing(http: aiohttp.ClientSession,
                                                              org: Org) -> None:
    program = await create_program(http, org)
    response = await post_import(http, org, program["id"], rows(1001))
    await expect_error(response, 400, "row_cap_exceeded", "affiliates")
    assert await all_affiliates(http, org, program["id"]) == []
    assert await jobs_of(org) == 0


async def test_a_body_over_4_mb_is_413(http: aiohttp.ClientSession, org: Org) -> None:
    program = await create_program(http, org)
    big = json.dumps({"programId": program["id"],
                      "affiliates": rows(900, fullName="x" * 5000)}).encode()  # ~4.5 MB
    async with http.post(IMPORT, data=io.BytesIO(big), headers={
            **org.auth, "Content-Type": "application/json"}) as response:
        await expect_error(response, 413, "payload_too_large")
    assert await jobs_of(org) == 0


async def test_the_import_policy_allows_6_calls_a_minute_per_key(http: aiohttp.ClientSession,
                                                                 org: Org) -> None:
    program = await create_program(http, org)
    left = 60 - time.time() % 60  # the window is the epoch minute: do not straddle it
    if left < 5:
        await asyncio.sleep(left + 0.05)
    remaining = []
    for _ in range(6):
        response = await post_import(http, org, program["id"], rows(1))
        assert response.status == 200, await response.text()
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
    assert remaining == [5, 4, 3, 2, 1, 0]
    response = await post_import(http, org, program["id"], rows(1))
    await expect_error(response, 429, "rate_limited", extra=frozenset({"retryAfter"}))
    assert int(response.headers["Retry-After"]) >= 1
    assert await jobs_of(org) == 6
    async with http.get("/api/v1/programs", headers=org.auth) as listing:  # other routes: fine
        assert listing.status == 200


async def test_one_import_per_org_at_a_time(http: aiohttp.ClientSession, org: Org,
                                            other_org: Org) -> None:
    program = await create_program(http, org)
    other_program = await create_program(http, other_org)
    conn = await asyncpg.connect(Settings().database_url)
    try:
        async with conn.transaction():  # what a running import holds
            await conn.execute("SELECT pg_advisory_xact_lock($1)",
                               import_lock_key(uuid.UUID(org.org_id)))
            response = await post_import(http, org, program["id"], rows(3))
            await expect_error(response, 409, "migration_already_in_progress")
            assert (await imported(http, other_org, other_program["id"], rows(3)))[
                "imported"] == 3
    finally:
        await conn.close()
    assert await all_affiliates(http, org, program["id"]) == []
    assert (await imported(http, org, program["id"], rows(3)))["imported"] == 3


async def test_concurrent_imports_of_one_file_never_duplicate(http: aiohttp.ClientSession,
                                                              org: Org) -> None:
    program = await create_program(http, org)
    batch = rows(1000)
    answers = await asyncio.gather(*(post_import(http, org, program["id"], batch)
                                     for _ in range(3)))
    statuses = sorted(r.status for r in answers)
    assert set(statuses) <= {200, 409} and 200 in statuses, statuses
    for response in answers:
        if response.status == 409:
            await expect_error(response, 409, "migration_already_in_progress")
    everyone = await all_affiliates(http, org, program["id"])
    assert len(everyone) == len({a["email"] for a in everyone}) == 1000


async def test_another_orgs_program_is_404(http: aiohttp.ClientSession, org: Org,
                                           other_org: Org) -> None:
    theirs = await create_program(http, other_org)
    for program_id in (theirs["id"], str(uuid.uuid4())):
        response = await post_import(http, org, program_id, rows(2))
        await expect_error(response, 404, "program_not_found", "programId")
    assert await all_affiliates(http, other_org, theirs["id"]) == []
    assert await jobs_of(org) == 0 and await jobs_of(other_org) == 0


async def test_archived_program_is_404(http: aiohttp.ClientSession, org: Org) -> None:
    program = await create_program(http, org)
    async with http.delete(f"/api/v1/programs/{program['id']}", headers=org.auth) as response:
        assert response.status == 204
    response = await post_import(http, org, program["id"], rows(1))
    await expect_error(response, 404, "program_not_found", "programId")


async def test_malformed_requests_are_400(http: aiohttp.ClientSession, org: Org) -> None:
    program = await create_program(http, org)
    pid = program["id"]
    cases = [
        ({"programId": pid, "affiliates": [{"email": "a@b.io", "nickname": "x"}]},
         "validation_failed", "affiliates.0.nickname"),
        ({"programId": pid, "affiliates": [{"email": 42}]}, "validation_failed",
         "affiliates.0.email"),
        ({"programId": pid, "affiliates": [], "includeStatuses": ["active"]},
         "validation_failed", "includeStatuses"),
        ({"programId": pid, "affiliates": [], "includeStatuses": []}, "validation_failed",
         "includeStatuses"),
        ({"programId": pid, "affiliates": [], "notifyAffiliates": "yes"}, "validation_failed",
         "notifyAffiliates"),
    ]
    for body, code, field in cases:
        async with http.post(IMPORT, json=body, headers=org.auth) as response:
            await expect_error(response, 400, code, field)
    assert await jobs_of(org) == 0


async def test_missing_program_id_and_bad_json_are_400(http: aiohttp.ClientSession, org: Org
                                                       ) -> None:
    async with http.post(IMPORT, json={"affiliates": []}, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "programId")
    async with http.post(IMPORT, data=b"{not json", headers={
            **org.auth, "Content-Type": "application/json"}) as response:
        await expect_error(response, 400, "invalid_json")
    assert await jobs_of(org) == 0


async def test_scope_and_plan_gates(http: aiohttp.ClientSession, org: Org) -> None:
    program = await create_program(http, org)
    read = rekomi_json("admin", "create-key", "--org", org.org_id, "--scope", "read")
    reader = Org(org.org_id, org.handle, read["apiKey"], org.signing_secret)
    await expect_error(await post_import(http, reader, program["id"], rows(1)), 403,
                       "insufficient_scope")
    trial = await new_org(plan="Starter", status="Canceled")
    await expect_error(await post_import(http, trial, program["id"], rows(1)), 402,
                       "plan_tier_required",
                       extra=frozenset({"required", "current", "trialing"}))
    assert await jobs_of(org) == 0
