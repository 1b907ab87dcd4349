"""``rekomi admin revert-import --job ID``: the CLI asks the ledger over the bus to remove exactly
what one import created; the job becomes Reverted; repeating is a no-op."""

from __future__ import annotations

import json
import uuid
from typing import Any

import aiohttp

from tests.common.affiliate_imports import (
    AFFILIATES,
    all_affiliates,
    imported,
    job_row,
    ledger_fetch,
    published,
    rows,
)
from tests.common.api import audit_page, create_program
from tests.common.events import EventRecorder
from tests.common.orgs import Org
from tests.common.stack import rekomi
from tests.common.waiting import eventually


def revert(job_id: str) -> dict[str, Any]:
    done = rekomi("admin", "revert-import", "--job", job_id, "--json")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def slugs_of(org: Org) -> set[str]:
    found = await ledger_fetch("SELECT slug FROM ledger.affiliate_links WHERE org_id = $1",
                               uuid.UUID(org.org_id))
    return {r["slug"] for r in found}


async def test_revert_removes_exactly_what_the_job_created(
        http: aiohttp.ClientSession, org: Org, other_org: Org,
        published_events: EventRecorder) -> None:
    program = await create_program(http, org)
    async with http.post(AFFILIATES, json={"programId": program["id"],
                                           "email": "before@example.com"},
                         headers=org.auth) as response:
        assert response.status == 201, await response.text()
    token = uuid.uuid4().hex[:8]
    file_a = [*rows(5), {"email": "before@example.com"}]
    for i, row in enumerate(file_a[:5]):
        row["slug"] = f"a{i}-{token}"
    job_a = await imported(http, org, program["id"], file_a)
    job_b = await imported(http, org, program["id"], rows(3))
    theirs = await create_program(http, other_org)
    await imported(http, other_org, theirs["id"], rows(4))
    assert (job_a["imported"], job_a["reasons"]) == (5, {"already_exists": 1})
    everyone_before = await all_affiliates(http, org, program["id"])
    a_ids = {a["id"] for a in everyone_before if a["email"] in {r["email"] for r in file_a[:5]}}
    other_before = await all_affiliates(http, other_org, theirs["id"])
    slugs_before = await slugs_of(org)

    result = revert(job_a["jobId"])
    assert result == {"jobId": job_a["jobId"], "orgId": org.org_id, "status": "Reverted",
                      "alreadyReverted": False, "removedAffiliates": 5, "removedLinks": 5}
    after = await all_affiliates(http, org, program["id"])
    assert {a["id"] for a in after} == {a["id"] for a in everyone_before} - a_ids
    assert len(after) == 4  # the one that existed before, and job B's three
    assert await all_affiliates(http, other_org, theirs["id"]) == other_before
    assert slugs_before - await slugs_of(org) == {f"a{i}-{token}" for i in range(5)}
    for affiliate_id in a_ids:
        async with http.get(f"{AFFILIATES}/{affiliate_id}", headers=org.auth) as response:
            assert response.status == 404
    job = await job_row(job_a["jobId"])
    assert (job["status"], job["reverted_affiliates"]) == ("Reverted", 5)
    assert job["reverted_at"] is not None
    assert (await job_row(job_b["jobId"]))["status"] == "Completed"
    assert await published(published_events, org, "affiliate.deleted", 5) == 5

    async def audited() -> list[dict[str, Any]] | None:
        page = await audit_page(http, org, action="affiliates.import_reverted")
        return page["items"] or None

    [row] = await eventually(audited, timeout=30.0, what="the revert's audit row")
    assert (row["entityId"], row["actorType"]) == (job_a["jobId"], "admin")

    again = revert(job_a["jobId"])  # a no-op
    assert again == {**result, "alreadyReverted": True, "removedAffiliates": 0,
                     "removedLinks": 0}
    assert await all_affiliates(http, org, program["id"]) == after
    assert await published(published_events, org, "affiliate.deleted", 5) == 5

    redo = await imported(http, org, program["id"], file_a)  # slugs were freed: kept again
    assert redo["imported"] == 5
    assert {f"a{i}-{token}" for i in range(5)} <= await slugs_of(org)


async def test_reverting_an_unknown_job_fails_cleanly() -> None:
    done = rekomi("admin", "revert-import", "--job", str(uuid.uuid4()), "--json", check=False)
    assert done.returncode == 1
    error = json.loads(done.stderr.strip().splitlines()[-1])
    assert (error["error"], error["field"]) == ("import_job_not_found", "jobId")
    bad = rekomi("admin", "revert-import", "--job", "nope", check=False)
    assert bad.returncode == 2 and "not an id" in bad.stderr


async def test_revert_of_a_1000_row_import(http: aiohttp.ClientSession, org: Org) -> None:
    program = await create_program(http, org)
    job = await imported(http, org, program["id"], rows(1000))
    assert revert(job["jobId"])["removedAffiliates"] == 1000
    assert await all_affiliates(http, org, program["id"]) == []
