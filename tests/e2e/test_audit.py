"""Program changes reach the audit log (asynchronously, through the outbox and the bus) and the
log is read back, redacted, over /api/v1/audit-log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiohttp
import pytest

from tests.common.api import AUDIT_LOG, PROGRAMS, audit_page, create_program, expect_error
from tests.common.orgs import Org
from tests.common.waiting import eventually

ITEM_KEYS = {"id", "action", "entityType", "entityId", "actorType", "actorUserId", "ip",
             "userAgent", "before", "after", "createdAt"}


async def _program_rows(http: aiohttp.ClientSession, org: Org, count: int,
                        **params: str) -> list[dict[str, Any]]:
    """Wait until the org's log holds ``count`` program rows (newest first), then return them;
    fail if it never does or if it overshoots."""
    async def probe() -> list[dict[str, Any]] | None:
        page = await audit_page(http, org, entityType="program", pageSize="100", **params)
        assert page["total"] <= count, page
        return page["items"] if page["total"] == count else None
    return await eventually(probe, what=f"{count} program audit rows")


async def test_create_update_archive_are_audited(http: aiohttp.ClientSession, org: Org) -> None:
    created = await create_program(http, org, recurringMonths=3)
    url = f"{PROGRAMS}/{created['id']}"
    async with http.patch(url, json={"name": "Renamed", "recurringMonths": -1},
                          headers={**org.auth, "User-Agent": "audit-test/1.0"}) as response:
        assert response.status == 200
        updated = await response.json()
    async with http.delete(url, headers=org.auth) as response:
        assert response.status == 204
    async with http.get(url, headers=org.auth) as response:
        archived = await response.json()

    rows = await _program_rows(http, org, 3)
    assert [r["action"] for r in rows] == ["program.archived", "program.updated",
                                           "program.created"]
    for row in rows:
        assert set(row) == ITEM_KEYS
        assert row["entityType"] == "program"
        assert row["entityId"] == created["id"]
        assert row["actorType"] == "api_key"
        # Operator PII is redacted for API-key callers.
        assert (row["actorUserId"], row["ip"], row["userAgent"]) == (None, None, None)
        datetime.fromisoformat(row["createdAt"])
    archived_row, updated_row, created_row = rows
    assert created_row["before"] is None
    assert isinstance(created_row["after"], str)
    assert json.loads(created_row["after"]) == created
    assert json.loads(updated_row["before"]) == created
    assert json.loads(updated_row["after"]) == updated
    assert json.loads(updated_row["after"])["recurringMonths"] is None
    assert json.loads(archived_row["before"]) == updated
    assert json.loads(archived_row["after"]) == archived
    assert json.loads(archived_row["after"])["archivedAt"] is not None


async def test_noop_changes_write_no_audit_row(http: aiohttp.ClientSession, org: Org) -> None:
    created = await create_program(http, org, recurringMonths=6)
    url = f"{PROGRAMS}/{created['id']}"
    for body in ({}, {"name": created["name"]}, {"recurringMonths": None},
                 {"defaultCommissionValue": created["defaultCommissionValue"],
                  "networkVisibility": created["networkVisibility"]}):
        async with http.patch(url, json=body, headers=org.auth) as response:
            assert response.status == 200
    # Refused changes are not audited either.
    async with http.patch(url, json={"defaultCommissionValue": 500},
                          headers=org.auth) as response:
        assert response.status == 400
    # A real change afterwards: the outbox relays in order, so once its row is in, any row
    # the no-ops had written would be in too.
    async with http.patch(url, json={"autoApprove": True}, headers=org.auth) as response:
        assert response.status == 200
    async with http.delete(url, headers=org.auth) as response:
        assert response.status == 204
    async with http.delete(url, headers=org.auth) as response:  # second archive: a no-op
        assert response.status == 204
    async with http.patch(url, json={"name": "x"}, headers=org.auth) as response:
        assert response.status == 409
    marker = await create_program(http, org)
    rows = await _program_rows(http, org, 4)
    assert [(r["action"], r["entityId"]) for r in rows] == [
        ("program.created", marker["id"]), ("program.archived", created["id"]),
        ("program.updated", created["id"]), ("program.created", created["id"])]
    changed = json.loads(rows[2]["after"])
    assert json.loads(rows[2]["before"])["autoApprove"] is False
    assert changed["autoApprove"] is True


async def test_filters_and_paging(http: aiohttp.ClientSession, org: Org) -> None:
    first = await create_program(http, org)
    second = await create_program(http, org)
    async with http.patch(f"{PROGRAMS}/{first['id']}", json={"autoApprove": True},
                          headers=org.auth) as response:
        assert response.status == 200
    await _program_rows(http, org, 3)

    created = await audit_page(http, org, action="program.created")
    assert created["total"] == 2
    assert {r["entityId"] for r in created["items"]} == {first["id"], second["id"]}
    assert all(r["action"] == "program.created" for r in created["items"])
    updated = await audit_page(http, org, action="program.updated", entityType="program")
    assert [r["entityId"] for r in updated["items"]] == [first["id"]]
    assert (await audit_page(http, org, action="program.archived"))["total"] == 0
    assert (await audit_page(http, org, entityType="affiliate"))["total"] == 0
    # The org's own admin rows (org.created, api_key.created) are in the log too.
    everything = await audit_page(http, org)
    assert everything["total"] >= 3 + 2
    assert {r["entityType"] for r in everything["items"]} >= {"program", "org", "api_key"}

    page1 = await audit_page(http, org, entityType="program", pageSize="2")
    page2 = await audit_page(http, org, entityType="program", pageSize="2", page="2")
    assert (page1["page"], page1["pageSize"], page1["total"]) == (1, 2, 3)
    assert (page2["page"], page2["pageSize"], page2["total"]) == (2, 2, 3)
    assert len(page1["items"]) == 2 and len(page2["items"]) == 1
    ids = [r["id"] for r in page1["items"] + page2["items"]]
    assert len(set(ids)) == 3
    times = [r["createdAt"] for r in page1["items"] + page2["items"]]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(("params", "field"), [
    ({"pageSize": "101"}, "pageSize"), ({"pageSize": "0"}, "pageSize"),
    ({"pageSize": "many"}, "pageSize"), ({"page": "0"}, "page"), ({"since": "yesterday"}, "since"),
])
async def test_bad_audit_query_is_400(http: aiohttp.ClientSession, org: Org,
                                      params: dict[str, str], field: str) -> None:
    async with http.get(AUDIT_LOG, params=params, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", field)


async def test_page_size_100_is_allowed(http: aiohttp.ClientSession, org: Org) -> None:
    page = await audit_page(http, org, pageSize="100")
    assert page["pageSize"] == 100


async def test_another_orgs_rows_are_never_visible(http: aiohttp.ClientSession, org: Org,
                                                   other_org: Org) -> None:
    theirs = await create_program(http, other_org)
    mine = await create_program(http, org)
    await _program_rows(http, other_org, 1)
    rows = await _program_rows(http, org, 1)
    assert rows[0]["entityId"] == mine["id"]
    everything = await audit_page(http, org, pageSize="100")
    assert theirs["id"] not in {r["entityId"] for r in everything["items"]}
    assert other_org.org_id not in {r["entityId"] for r in everything["items"]}
    assert org.org_id in {r["entityId"] for r in everything["items"]}
    filtered = await audit_page(http, org, action="program.created")
    assert [r["entityId"] for r in filtered["items"]] == [mine["id"]]
