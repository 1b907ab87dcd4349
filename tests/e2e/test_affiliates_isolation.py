"""Tenant isolation on every affiliates endpoint: another org's affiliates and programs are
invisible (404, absent from lists, not affected by bulk actions) and are never changed."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.common.affiliates_api import (
    AFFILIATES,
    APPLICATIONS,
    affiliate_body,
    bulk,
    create_affiliate,
    get_affiliate,
    list_ids,
)
from tests.common.api import create_program, expect_error
from tests.common.orgs import Org, new_org


@pytest.fixture
async def org() -> Org:
    return await new_org()


@pytest.fixture
async def other_org() -> Org:
    return await new_org()


async def _theirs(http: aiohttp.ClientSession, other_org: Org) -> tuple[str, list[dict[str, Any]]]:
    """Another org's program with one Pending and one Approved affiliate."""
    program = str((await create_program(http, other_org))["id"])
    made = [await create_affiliate(http, other_org, program, status="Pending",
                                   email="shared@example.com", fullName="Shared Name"),
            await create_affiliate(http, other_org, program)]
    return program, made


async def _unchanged(http: aiohttp.ClientSession, other_org: Org,
                     made: list[dict[str, Any]]) -> None:
    for affiliate in made:
        assert await get_affiliate(http, other_org, affiliate["id"]) == affiliate


async def test_lists_show_only_the_callers_affiliates(http: aiohttp.ClientSession, org: Org,
                                                      other_org: Org) -> None:
    their_program, made = await _theirs(http, other_org)
    mine = await create_affiliate(http, org, str((await create_program(http, org))["id"]),
                                  status="Pending", email="shared@example.com")
    assert await list_ids(http, org) == [mine["id"]]
    assert await list_ids(http, org, APPLICATIONS) == [mine["id"]]
    assert await list_ids(http, org, q="shared") == [mine["id"]]
    assert await list_ids(http, org, programId=their_program) == []
    assert await list_ids(http, org, APPLICATIONS, programId=their_program) == []
    assert await list_ids(http, other_org) == [a["id"] for a in made]


@pytest.mark.parametrize(("method", "suffix", "body"), [
    ("GET", "", None),
    ("PATCH", "", {"notes": "hijacked", "status": "Banned"}),
    ("POST", "/approve", {}),
    ("POST", "/reject", {"reason": "hijacked"}),
])
async def test_another_orgs_affiliate_is_not_found(http: aiohttp.ClientSession, org: Org,
                                                   other_org: Org, method: str, suffix: str,
                                                   body: dict[str, Any] | None) -> None:
    _program, made = await _theirs(http, other_org)
    for affiliate in made:
        async with http.request(method, f"{AFFILIATES}/{affiliate['id']}{suffix}", json=body,
                                headers=org.auth) as response:
            await expect_error(response, 404, "affiliate_not_found")
    await _unchanged(http, other_org, made)


async def test_create_in_another_orgs_program_is_not_found(http: aiohttp.ClientSession,
                                                           org: Org, other_org: Org) -> None:
    their_program, made = await _theirs(http, other_org)
    for status in ("Approved", "Pending"):
        async with http.post(AFFILIATES, json=affiliate_body(their_program, status=status),
                             headers=org.auth) as response:
            await expect_error(response, 404, "program_not_found", "programId")
    assert await list_ids(http, org) == []
    assert await list_ids(http, other_org) == [a["id"] for a in made]
    # The same email is free in the caller's own program: emails are per program.
    mine = str((await create_program(http, org))["id"])
    assert (await create_affiliate(http, org, mine, email="shared@example.com"))["email"] == \
        "shared@example.com"


@pytest.mark.parametrize("action", ["approve", "pause", "delete"])
async def test_bulk_skips_another_orgs_ids(http: aiohttp.ClientSession, org: Org,
                                           other_org: Org, action: str) -> None:
    _program, made = await _theirs(http, other_org)
    mine = [await create_affiliate(http, org, str((await create_program(http, org))["id"]),
                                   status="Pending" if action == "approve" else "Approved")]
    ids = [a["id"] for a in [*made, *mine]]
    assert await bulk(http, org, action, ids) == {"affected": 1, "total": 3, "action": action}
    await _unchanged(http, other_org, made)
    assert await bulk(http, org, action, [a["id"] for a in made]) == {
        "affected": 0, "total": 2, "action": action}
    await _unchanged(http, other_org, made)

