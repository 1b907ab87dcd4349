"""A program's capacity (``maxAffiliates``, behind the reference's 409 ``program_at_capacity``):
set and cleared through the programs API, enforced on every path that gives an affiliate a seat
(Approved or Paused), and never overfilled by concurrent claims."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aiohttp

from tests.common.affiliate_imports import post_import, rows
from tests.common.api import PROGRAMS, create_program, expect_error, get_program
from tests.common.invites_api import accept, invite, token_of
from tests.common.orgs import Org, new_org
from tests.common.stack import Stack
from tests.common.storefront_api import AFFILIATES, client_from, create_affiliate

FULL = "program_at_capacity"


def _apply(program_id: str) -> str:
    return f"/api/p/id/{program_id}/apply"


def _email() -> str:
    return f"cap-{uuid.uuid4().hex[:8]}@example.com"


async def _post(http: aiohttp.ClientSession, path: str, org: Org | None = None,
                **body: Any) -> aiohttp.ClientResponse:
    response = await http.post(path, json=body, headers=org.auth if org else None)
    await response.read()
    return response


async def _seated(http: aiohttp.ClientSession, org: Org, program_id: str) -> int:
    async with http.get(AFFILIATES, params={"programId": program_id, "take": "200"},
                        headers=org.auth) as response:
        items = (await response.json())["items"]
    return sum(a["status"] in ("Approved", "Paused") for a in items)


async def test_capacity_is_set_validated_and_cleared_through_the_programs_api(
        stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        assert (await create_program(http, org))["maxAffiliates"] is None  # unlimited
        program = await create_program(http, org, maxAffiliates=3)
        assert program["maxAffiliates"] == 3
        url = f"{PROGRAMS}/{program['id']}"
        for bad in (-1, 1.5, "3", True, 1_000_001):
            async with http.patch(url, json={"maxAffiliates": bad}, headers=org.auth) as r:
                await expect_error(r, 400, "validation_failed", "maxAffiliates")
        async with http.patch(url, json={"maxAffiliates": 0}, headers=org.auth) as r:
            assert (await r.json())["maxAffiliates"] == 0
        async with http.patch(url, json={"name": "Renamed"}, headers=org.auth) as r:
            assert (await r.json())["maxAffiliates"] == 0  # untouched when not sent
        async with http.patch(url, json={"maxAffiliates": None}, headers=org.auth) as r:
            assert r.status == 200
        assert (await get_program(http, org, program["id"]))["maxAffiliates"] is None


async def test_a_full_program_refuses_applications_with_the_reference_envelope(
        stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org, maxAffiliates=1)
        seated = await create_affiliate(http, org, program["id"])  # Approved: the one seat
        for email in (_email(), seated["email"]):  # a former applicant learns nothing more
            response = await _post(http, _apply(program["id"]), email=email)
            body = await expect_error(response, 409, FULL)
            assert set(body) == {"error", "message", "field"} and body["field"] is None
        assert await _seated(http, org, program["id"]) == 1
        # Pausing keeps the seat; rejecting or deleting frees it.
        async with http.patch(f"{AFFILIATES}/{seated['id']}", json={"status": "Paused"},
                              headers=org.auth) as r:
            assert r.status == 200
        await expect_error(await _post(http, _apply(program["id"]), email=_email()), 409, FULL)
        async with http.patch(f"{AFFILIATES}/{seated['id']}", json={"status": "Approved"},
                              headers=org.auth) as r:
            assert r.status == 200  # resuming never meets the capacity: the seat was kept
        response = await _post(http, f"{AFFILIATES}/bulk-action", org,
                               action="delete", affiliateIds=[seated["id"]])
        assert response.status == 200
        assert (await _post(http, _apply(program["id"]), email=_email())).status == 200


async def test_approvals_need_a_free_seat_on_every_path(stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org, maxAffiliates=2)
        pid = program["id"]
        pending = [await create_affiliate(http, org, pid, status="Pending") for _ in range(3)]
        await create_affiliate(http, org, pid)  # seat 1 of 2
        # Bulk: two approvals for one free seat refuse the whole batch.
        response = await _post(http, f"{AFFILIATES}/bulk-action", org, action="approve",
                               affiliateIds=[pending[0]["id"], pending[1]["id"]])
        await expect_error(response, 409, FULL)
        assert await _seated(http, org, pid) == 1
        assert (await _post(http, f"{AFFILIATES}/{pending[0]['id']}/approve", org)).status == 200
        # Full now: approve, PATCH to Approved, admin create, auto-approved invite, import.
        await expect_error(await _post(http, f"{AFFILIATES}/{pending[1]['id']}/approve", org),
                           409, FULL)
        async with http.patch(f"{AFFILIATES}/{pending[2]['id']}", json={"status": "Approved"},
                              headers=org.auth) as r:
            await expect_error(r, 409, FULL)
        await expect_error(await _post(http, AFFILIATES, org, programId=pid, email=_email()),
                           409, FULL)
        sent = await invite(http, org, pid, autoApprove=True)
        await expect_error(await accept(http, token_of(sent["acceptUrl"])), 409, FULL)
        await expect_error(await post_import(http, org, pid, rows(1)), 409, FULL)
        assert await _seated(http, org, pid) == 2
        # What takes no seat still works: a Pending admin create, a Pending import row.
        assert (await _post(http, AFFILIATES, org, programId=pid, email=_email(),
                            status="Pending")).status == 201
        assert (await post_import(http, org, pid, rows(1, status="pending"))).status == 200
        # Lifting the capacity lets the approval through.
        async with http.patch(f"{PROGRAMS}/{pid}", json={"maxAffiliates": None},
                              headers=org.auth) as r:
            assert r.status == 200
        assert (await _post(http, f"{AFFILIATES}/{pending[1]['id']}/approve", org)).status == 200


async def test_concurrent_claims_never_overfill_a_program(stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org, autoApprove=True, maxAffiliates=2)
        pending = [await create_affiliate(http, org, program["id"], status="Pending")
                   for _ in range(3)]
        claims = [_post(http, _apply(program["id"]), email=_email()) for _ in range(3)]
        claims += [_post(http, f"{AFFILIATES}/{a['id']}/approve", org) for a in pending]
        statuses = sorted(r.status for r in await asyncio.gather(*claims))
        assert statuses == [200, 200, 409, 409, 409, 409]
        assert await _seated(http, org, program["id"]) == 2
