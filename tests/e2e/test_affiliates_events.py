"""Every affiliate mutation publishes its domain events through the ledger's outbox (received
here from the bus) and writes one audit row per affiliate (read back from /api/v1/audit-log);
no-ops and refused calls publish and write nothing."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aiohttp
import pytest

from libs.contracts.events import EVENT_TYPES, DomainEvent
from libs.shared.bus import Delivery
from tests.common.affiliates_api import AFFILIATES, bulk, call, create_affiliate
from tests.common.api import audit_page, create_program
from tests.common.events import EventRecorder
from tests.common.orgs import Org, new_org
from tests.common.stack import Stack
from tests.common.waiting import eventually


@pytest.fixture(scope="module")
async def events(stack: Stack) -> AsyncIterator[EventRecorder]:
    recorder = await EventRecorder.start()
    yield recorder
    await recorder.stop()


@pytest.fixture
async def org() -> Org:
    return await new_org()


@pytest.fixture
async def program(http: aiohttp.ClientSession, org: Org) -> str:
    return str((await create_program(http, org))["id"])


def _check(delivery: Delivery, org: Org, event_type: str, data: dict[str, Any]) -> None:
    """One event: the DomainEvent envelope, routed by its type, carrying ``data``."""
    assert event_type in EVENT_TYPES
    assert set(delivery.body) == {"id", "type", "orgId", "createdAt", "data"}, delivery.body
    event = DomainEvent.model_validate(delivery.body)
    assert (delivery.routing_key, event.type, str(event.org_id)) == (event_type, event_type,
                                                                      org.org_id)
    assert delivery.message_id == str(event.id)
    assert event.created_at.tzinfo is not None
    assert event.data == data


async def _audit_rows(http: aiohttp.ClientSession, org: Org, count: int
                      ) -> list[dict[str, Any]]:
    """The org's ``count`` affiliate audit rows, newest first (fails on more or never)."""
    async def probe() -> list[dict[str, Any]] | None:
        page = await audit_page(http, org, entityType="affiliate", pageSize="100")
        assert page["total"] <= count, page
        return page["items"] if page["total"] == count else None
    return await eventually(probe, what=f"{count} affiliate audit rows")


def _row(row: dict[str, Any], action: str, before: dict[str, Any] | None,
         after: dict[str, Any] | None) -> None:
    assert (row["action"], row["entityType"], row["actorType"]) == (action, "affiliate",
                                                                    "api_key")
    assert row["entityId"] == (after or before or {})["id"]
    assert (json.loads(row["before"]) if row["before"] else None) == before
    assert (json.loads(row["after"]) if row["after"] else None) == after
    datetime.fromisoformat(row["createdAt"])


async def test_create_approved_fires_created_then_approved(
        http: aiohttp.ClientSession, org: Org, program: str, events: EventRecorder) -> None:
    created = await create_affiliate(http, org, program, fullName="Jane")
    first, second = await events.wait_for(org, 2)
    _check(first, org, "affiliate.created", created)
    _check(second, org, "affiliate.approved", created)
    [row] = await _audit_rows(http, org, 1)
    _row(row, "affiliate.created", None, created)


async def test_lifecycle_events_and_audit(http: aiohttp.ClientSession, org: Org, program: str,
                                          events: EventRecorder) -> None:
    pending = await create_affiliate(http, org, program, status="Pending")
    rejectee = await create_affiliate(http, org, program, status="Pending")
    url = f"{AFFILIATES}/{pending['id']}"
    approved = await call(http, "POST", f"{url}/approve", org, {})
    patched = await call(http, "PATCH", url, org, {"notes": "vip", "tags": ["a", "a"]})
    paused = await call(http, "PATCH", url, org, {"status": "Paused"})
    rejected = await call(http, "POST", f"{AFFILIATES}/{rejectee['id']}/reject", org,
                          {"reason": "Off-topic"})
    received = await events.wait_for(org, 6)
    expected = [("affiliate.created", pending), ("affiliate.created", rejectee),
                ("affiliate.approved", approved), ("affiliate.updated", patched),
                ("affiliate.updated", paused), ("affiliate.rejected", rejected)]
    for delivery, (event_type, data) in zip(received, expected, strict=True):
        _check(delivery, org, event_type, data)
    rows = await _audit_rows(http, org, 6)
    audit = [("affiliate.rejected", rejectee, rejected), ("affiliate.updated", patched, paused),
             ("affiliate.updated", approved, patched), ("affiliate.approved", pending, approved),
             ("affiliate.created", None, rejectee), ("affiliate.created", None, pending)]
    for row, (action, before, after) in zip(rows, audit, strict=True):
        _row(row, action, before, after)


async def test_noops_and_refusals_publish_and_audit_nothing(
        http: aiohttp.ClientSession, org: Org, program: str, events: EventRecorder) -> None:
    created = await create_affiliate(http, org, program)
    rejected = await create_affiliate(http, org, program, status="Pending")
    await call(http, "POST", f"{AFFILIATES}/{rejected['id']}/reject", org, {"reason": "no"})
    url = f"{AFFILIATES}/{created['id']}"
    assert await call(http, "POST", f"{url}/approve", org, {}) == created
    noops: list[dict[str, Any]] = [{}, {"status": "Approved"}, {"tags": []}, {"fullName": None}]
    for body in noops:
        assert await call(http, "PATCH", url, org, body) == created
    await call(http, "POST", f"{url}/reject", org, {}, expect=409)
    await call(http, "PATCH", url, org, {"status": "Pending"}, expect=409)
    await call(http, "PATCH", url, org, {"notes": "x", "status": None}, expect=400)
    await call(http, "POST", f"{AFFILIATES}/{rejected['id']}/reject", org, {})
    await call(http, "POST", f"{AFFILIATES}/{rejected['id']}/approve", org, {}, expect=409)
    assert await bulk(http, org, "approve", [rejected["id"], str(uuid.uuid4())]) == {
        "affected": 0, "total": 2, "action": "approve"}
    await call(http, "POST", AFFILIATES, org, {"programId": program, "email": created["email"]},
               expect=409)
    # A real change last: the outbox relays in order, so anything the calls above had
    # published would be in before it.
    marker = await call(http, "PATCH", url, org, {"notes": "marker"})
    received = await events.wait_for(org, 5)
    assert [d.routing_key for d in received] == [
        "affiliate.created", "affiliate.approved", "affiliate.created", "affiliate.rejected",
        "affiliate.updated"]
    _check(received[-1], org, "affiliate.updated", marker)
    rows = await _audit_rows(http, org, 4)
    assert [r["action"] for r in rows] == ["affiliate.updated", "affiliate.rejected",
                                           "affiliate.created", "affiliate.created"]


async def test_bulk_actions_fire_one_event_and_row_per_affected_affiliate(
        http: aiohttp.ClientSession, org: Org, program: str, events: EventRecorder) -> None:
    pendings = [await create_affiliate(http, org, program, status="Pending") for _ in range(2)]
    ids = [a["id"] for a in pendings]
    await events.wait_for(org, 2)
    assert (await bulk(http, org, "approve", [*ids, ids[0]]))["affected"] == 2
    approved = [await call(http, "GET", f"{AFFILIATES}/{i}", org) for i in ids]
    assert (await bulk(http, org, "pause", ids))["affected"] == 2
    paused = [await call(http, "GET", f"{AFFILIATES}/{i}", org) for i in ids]
    assert (await bulk(http, org, "delete", ids))["affected"] == 2
    received = (await events.wait_for(org, 8))[2:]

    def by_type(event_type: str) -> dict[str, dict[str, Any]]:
        return {d.body["data"]["id"]: d.body["data"] for d in received
                if d.routing_key == event_type}
    assert [d.routing_key for d in received] == ["affiliate.approved"] * 2 + [
        "affiliate.updated"] * 2 + ["affiliate.deleted"] * 2
    assert by_type("affiliate.approved") == {a["id"]: a for a in approved}
    assert by_type("affiliate.updated") == {a["id"]: a for a in paused}
    assert by_type("affiliate.deleted") == {a["id"]: a for a in paused}  # its last state
    for delivery in received:
        DomainEvent.model_validate(delivery.body)
    rows = (await _audit_rows(http, org, 8))[:6]
    seen = {(r["action"], r["entityId"]): r for r in rows}
    for before, after in zip(pendings, approved, strict=True):
        _row(seen[("affiliate.approved", after["id"])], "affiliate.approved", before, after)
    for before, after in zip(approved, paused, strict=True):
        _row(seen[("affiliate.paused", after["id"])], "affiliate.paused", before, after)
        _row(seen[("affiliate.deleted", after["id"])], "affiliate.deleted", after, None)


async def test_events_carry_only_the_callers_org(http: aiohttp.ClientSession, org: Org,
                                                 program: str, events: EventRecorder) -> None:
    other = await new_org()
    await create_affiliate(http, org, program, status="Pending")
    other_program = str((await create_program(http, other))["id"])
    await create_affiliate(http, other, other_program, status="Pending")
    [mine] = await events.wait_for(org, 1)
    [theirs] = await events.wait_for(other, 1)
    assert mine.body["data"]["programId"] == program
    assert theirs.body["data"]["programId"] == other_program
    [row] = await _audit_rows(http, org, 1)
    assert json.loads(row["after"])["programId"] == program
