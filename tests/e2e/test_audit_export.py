"""The audit-log CSV export over HTTP: the exact redacted header, the JSON list's rows and order
for the same filters, operator PII never in the file, formula-injection hardening, the export's
own audit row, tenant isolation, the Pro gate, bad filters, and the 10,000-row cap (on the
session stack with 10,001 seeded rows; on an extra gateway with a cap of 3 and pages of 2, so
a last page shorter than the page size is exercised too)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import asyncpg
import pytest

from libs.shared.settings import Settings
from tests.common.api import PROGRAMS, audit_page, create_program, expect_error
from tests.common.audit_log import (
    AUDIT_EXPORT,
    SECRET_AGENT,
    SECRET_IP,
    SECRET_USER,
    as_csv,
    at,
    export,
    listed,
    seed,
    seeded_row,
    stamp,
)
from tests.common.orgs import Org, new_key, new_org
from tests.common.stack import Stack, extra_gateways, wait_ready
from tests.common.waiting import eventually

AGENT = "audit-export-test/1.0"
CAP = 3
PORT_OFFSET = 59  # an extra gateway beside the session stack's (57 and 61 are taken)


async def _program_history(http: aiohttp.ClientSession, org: Org) -> dict[str, Any]:
    """A program created, renamed (with a User-Agent) and archived; waits for its three rows,
    which reach the log through the outbox."""
    created = await create_program(http, org)
    url = f"{PROGRAMS}/{created['id']}"
    async with http.patch(url, json={"name": "Renamed"},
                          headers={**org.auth, "User-Agent": AGENT}) as response:
        assert response.status == 200
    async with http.delete(url, headers=org.auth) as response:
        assert response.status == 204

    async def probe() -> bool | None:
        return (await audit_page(http, org, entityType="program"))["total"] == 3 or None
    await eventually(probe, what="three program audit rows")
    return created


async def _stored_user_agent(org: Org, action: str) -> str | None:
    conn = await asyncpg.connect(Settings().database_url)
    try:
        agent: str | None = await conn.fetchval(
            "SELECT user_agent FROM gateway.audit_log WHERE org_id = $1 AND action = $2",
            org.org_id, action)
    finally:
        await conn.close()
    return agent


async def test_rows_and_order_are_the_lists(http: aiohttp.ClientSession, org: Org) -> None:
    created = await _program_history(http, org)
    everything = await listed(http, org)
    exported = await export(http, org.auth)
    assert exported.truncated == "false"
    assert "X-Request-Id" in exported.response.headers
    assert exported.rows == [as_csv(item) for item in everything]
    assert len(exported.rows) == 5  # and newest first, as the list
    assert [row[2] for row in exported.rows[:3]] == ["program.archived", "program.updated",
                                                     "program.created"]
    assert {row[2] for row in exported.rows[3:]} == {"org.created", "api_key.created"}
    archived, updated, first = exported.rows[:3]
    assert first[4] == created["id"] and first[5] == "api_key" and first[6] == ""
    assert json.loads(first[7]) == created
    assert json.loads(updated[6])["name"] == created["name"]
    assert json.loads(updated[7])["name"] == "Renamed"
    assert json.loads(archived[7])["archivedAt"] is not None
    # The log holds the caller's User-Agent and address; the file shows neither.
    assert await _stored_user_agent(org, "program.updated") == AGENT
    assert AGENT not in exported.text and "127.0.0.1" not in exported.text


async def test_filters_are_the_lists(http: aiohttp.ClientSession, org: Org) -> None:
    def row(seconds: int, action: str, entity_type: str) -> tuple[Any, ...]:
        return seeded_row(org.org_id, at(seconds), action=f"seeded.{action}",
                          entity_type=entity_type, entity_id=f"{entity_type}-{seconds}",
                          after={"n": seconds})
    await seed([row(0, "created", "widget"), row(10, "updated", "widget"),
                row(20, "created", "gadget"), row(30, "updated", "gadget"),
                row(40, "deleted", "widget"), row(40, "created", "widget")])
    expected_counts = [
        ({}, 8),  # the org's own two rows too; first, before any export adds its row
        ({"entityType": "widget"}, 4), ({"action": "seeded.created"}, 3),
        ({"action": "seeded.created", "entityType": "widget"}, 2),
        ({"entityType": "gadget", "since": stamp(20)}, 2),
        ({"entityType": "widget", "since": stamp(10)}, 3),  # since is inclusive
        ({"entityType": "widget", "until": stamp(40)}, 2),  # until is exclusive
        ({"since": stamp(10), "until": stamp(30)}, 2),
        ({"since": "2025-01-01", "until": "2025-01-02", "action": "seeded.created"}, 3),
        ({"action": "seeded.nothing"}, 0)]
    for params, count in expected_counts:
        items = await listed(http, org, **params)  # first: the export adds its own row
        exported = await export(http, org.auth, **params)
        assert exported.rows == [as_csv(item) for item in items], params
        assert len(exported.rows) == count, params
    # actorUserId and ip are not filters for an API key: ignored, as by the list.
    widgets = (await export(http, org.auth, entityType="widget")).rows
    assert [r[4] for r in widgets] == ["widget-40", "widget-40", "widget-10", "widget-0"]
    assert (await export(http, org.auth, entityType="widget", ip="198.51.100.1",
                         actorUserId="nobody")).rows == widgets


async def test_operator_pii_is_never_in_the_file(http: aiohttp.ClientSession, org: Org) -> None:
    await seed([seeded_row(org.org_id, at(n), entity_type="pii") for n in range(3)])
    exported = await export(http, org.auth, entityType="pii")
    assert len(exported.rows) == 3 and all(len(row) == 8 for row in exported.rows)
    assert [row[5] for row in exported.rows] == ["user"] * 3  # a category, not PII
    for secret in (SECRET_USER, SECRET_IP, SECRET_AGENT):
        assert secret not in exported.text


async def test_formula_cells_are_neutralised(http: aiohttp.ClientSession, org: Org) -> None:
    entity_ids = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(1)", "\tTAB", "\rCR",
                  "plain", "a=b"]
    await seed([seeded_row(org.org_id, at(n), entity_type="formula", entity_id=entity_id)
                for n, entity_id in enumerate(entity_ids)]
               + [seeded_row(org.org_id, at(100), entity_type="formula", action="=cmd|calc",
                             entity_id="x", after=-5)])
    rows = (await export(http, org.auth, entityType="formula")).rows
    assert (rows[0][2], rows[0][7]) == ("'=cmd|calc", "'-5")
    assert [row[4] for row in reversed(rows[1:])] == [
        '\'=HYPERLINK("http://x","y")', "'+1+1", "'-2+3", "'@SUM(1)", "'\tTAB", "'\rCR",
        "plain", "a=b"]
    # The list shows the values as stored.
    items = await listed(http, org, entityType="formula")
    assert (items[0]["action"], items[0]["after"]) == ("=cmd|calc", "-5")


async def test_each_export_writes_one_audit_row(http: aiohttp.ClientSession, org: Org) -> None:
    await seed([seeded_row(org.org_id, at(n), entity_type="audited") for n in range(3)])
    exported = await export(http, org.auth, entityType="audited", since=stamp(1))
    assert len(exported.rows) == 2
    # Written before the response ends: once the file is in, so is the row.
    [entry] = (await audit_page(http, org, action="audit_log.exported"))["items"]
    assert (entry["entityType"], entry["entityId"], entry["actorType"]) == (
        "audit_log_export", "audit-log.csv", "api_key")
    assert json.loads(entry["after"]) == {
        "filters": {"entityType": "audited", "since": "2025-01-01T00:00:01Z"},
        "rowCount": 2, "truncated": False, "complete": True}
    # Not in its own file, and at the top of the next one.
    assert "audit_log.exported" not in exported.text
    assert (await export(http, org.auth)).rows[0][:3] == [
        entry["id"], entry["createdAt"], "audit_log.exported"]


async def test_another_orgs_rows_are_never_exported(http: aiohttp.ClientSession, org: Org,
                                                    other_org: Org) -> None:
    await create_program(http, other_org)
    await seed([seeded_row(org.org_id, at(0), entity_type="shared", entity_id="mine"),
                seeded_row(other_org.org_id, at(1), entity_type="shared", entity_id="theirs")])
    theirs = await eventually(
        lambda: _with_program_row(http, other_org), what="the other org's program row")
    mine = await export(http, org.auth)
    assert not {row[0] for row in mine.rows} & {item["id"] for item in theirs}
    assert other_org.org_id not in mine.text and "theirs" not in mine.text
    assert [r[4] for r in (await export(http, org.auth, entityType="shared")).rows] == ["mine"]
    assert [r[4] for r in (await export(http, other_org.auth, entityType="shared")).rows] == [
        "theirs"]


async def _with_program_row(http: aiohttp.ClientSession, org: Org
                            ) -> list[dict[str, Any]] | None:
    items = await listed(http, org)
    return items if any(item["entityType"] == "program" for item in items) else None


async def test_gates(http: aiohttp.ClientSession, org: Org) -> None:
    reader = await new_key(org, "read")
    assert len((await export(http, reader)).rows) >= 2
    async with http.get(AUDIT_EXPORT) as response:
        await expect_error(response, 401, "unauthorized")
    growth = await new_org(plan="Growth")
    async with http.get(AUDIT_EXPORT, headers=growth.auth) as response:
        body = await expect_error(response, 402, "plan_tier_required",
                                  extra=frozenset({"required", "current", "trialing"}))
    assert (body["required"], body["current"]) == ("Pro", "Growth")


@pytest.mark.parametrize(("params", "field"), [
    ({"since": "yesterday"}, "since"), ({"until": "soon"}, "until"),
    ({"since": "1700000000"}, "since"), ({"action": "x" * 101}, "action"),
    ({"entityType": "x" * 101}, "entityType"),
])
async def test_bad_filters_are_400(http: aiohttp.ClientSession, org: Org,
                                   params: dict[str, str], field: str) -> None:
    async with http.get(AUDIT_EXPORT, params=params, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", field)


async def test_10000_rows_at_most(http: aiohttp.ClientSession, org: Org) -> None:
    """10,001 rows, seven to an instant after the oldest (ties cross every page boundary)."""
    await seed([seeded_row(org.org_id, at(0), entity_type="bulk", entity_id="oldest")]
               + [seeded_row(org.org_id, at(1 + n // 7), entity_type="bulk",
                             entity_id=f"bulk-{n}") for n in range(10_000)])
    items = await listed(http, org, entityType="bulk")
    assert len(items) == 10_001
    exported = await export(http, org.auth, entityType="bulk")
    assert exported.truncated == "true"
    assert exported.rows == [as_csv(item) for item in items[:10_000]]
    entry = (await audit_page(http, org, action="audit_log.exported"))["items"][0]
    assert json.loads(entry["after"])["rowCount"] == 10_000
    assert json.loads(entry["after"])["truncated"] is True
    # Exactly the cap is whole.
    exactly = await export(http, org.auth, entityType="bulk", since=stamp(1))
    assert exactly.truncated == "false" and exactly.rows == exported.rows


@pytest.fixture
def capped_gateway(stack: Stack) -> Iterator[str]:
    """A second gateway on the session stack's bus with a cap of 3 rows and pages of 2."""
    with extra_gateways([Settings().gateway_port + PORT_OFFSET], {
            "REKOMI_AUDIT_EXPORT_MAX_ROWS": str(CAP), "REKOMI_AUDIT_EXPORT_PAGE_ROWS": "2",
            "REKOMI_RATE_LIMIT_PER_MINUTE": "100000"}) as [base]:
        yield base


async def test_the_cap_on_short_pages(http: aiohttp.ClientSession, org: Org,
                                      capped_gateway: str) -> None:
    await seed([seeded_row(org.org_id, at(n), entity_type="few", entity_id=f"few-{n}")
                for n in range(5)])
    await wait_ready(http, capped_gateway)
    exported = await export(http, org.auth, base=capped_gateway, entityType="few")
    assert exported.truncated == "true"
    assert [row[4] for row in exported.rows] == ["few-4", "few-3", "few-2"]
    exactly = await export(http, org.auth, base=capped_gateway, entityType="few",
                           since=stamp(2))
    assert exactly.truncated == "false" and exactly.rows == exported.rows
    fewer = await export(http, org.auth, base=capped_gateway, entityType="few",
                         since=stamp(3))
    assert fewer.truncated == "false" and [row[4] for row in fewer.rows] == ["few-4", "few-3"]
