"""Coupon codes assigned to affiliates over HTTP against the real stack: assign (201), codes
unique per org whatever their case (409 ``coupon_code_taken``), list (cursor pages), remove
(204, any case), tenant isolation (404), bad codes (400 naming ``code``), scopes, audit rows,
a deleted affiliate's codes freed, and an import revert held back by a code."""

from __future__ import annotations

import json
import uuid
from typing import Any

import aiohttp
import pytest

from tests.common.affiliate_imports import all_affiliates, imported, rows
from tests.common.affiliates_api import AFFILIATES, bulk, call, create_affiliate, get_page
from tests.common.api import audit_page, create_program, expect_error
from tests.common.orgs import Org, new_key
from tests.common.stack import rekomi
from tests.common.waiting import eventually

CODE_KEYS = frozenset({"id", "affiliateId", "code", "createdAt"})


def codes_of(affiliate_id: str) -> str:
    return f"{AFFILIATES}/{affiliate_id}/coupon-codes"


def _code(prefix: str = "SALE") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


async def assign(http: aiohttp.ClientSession, org: Org, affiliate_id: str, code: str
                 ) -> dict[str, Any]:
    made: dict[str, Any] = await call(http, "POST", codes_of(affiliate_id), org,
                                      {"code": code}, expect=201)
    return made


async def listed(http: aiohttp.ClientSession, org: Org, affiliate_id: str) -> list[str]:
    page = await get_page(http, org, codes_of(affiliate_id), take="200")
    assert page["hasMore"] is False
    return [item["code"] for item in page["items"]]


@pytest.fixture
async def two(http: aiohttp.ClientSession, org: Org) -> tuple[str, str]:
    """Two affiliates of the org's program."""
    program = str((await create_program(http, org))["id"])
    first = await create_affiliate(http, org, program)
    second = await create_affiliate(http, org, program)
    return first["id"], second["id"]


async def test_assign_answers_the_code_and_lists_it(http: aiohttp.ClientSession, org: Org,
                                                    two: tuple[str, str]) -> None:
    affiliate, _ = two
    code = _code("Sarah_20-")
    async with http.post(codes_of(affiliate), json={"code": code}, headers=org.auth) as response:
        assert response.status == 201
        assert response.content_type == "application/json"
        made = await response.json()
    assert set(made) == CODE_KEYS
    uuid.UUID(made["id"])
    assert (made["affiliateId"], made["code"]) == (affiliate, code)  # case kept
    assert made["createdAt"].endswith("Z")
    page = await get_page(http, org, codes_of(affiliate))
    assert page == {"items": [made], "nextCursor": None, "hasMore": False}


async def test_a_code_in_another_case_is_taken(http: aiohttp.ClientSession, org: Org,
                                               two: tuple[str, str]) -> None:
    affiliate, _ = two
    code = _code()
    await assign(http, org, affiliate, code)
    async with http.post(codes_of(affiliate), json={"code": code.lower()},
                         headers=org.auth) as response:
        await expect_error(response, 409, "coupon_code_taken", "code")
    assert await listed(http, org, affiliate) == [code]


async def test_a_code_of_one_affiliate_is_taken_for_the_others(
        http: aiohttp.ClientSession, org: Org, two: tuple[str, str]) -> None:
    first, second = two
    code = _code()
    await assign(http, org, first, code)
    async with http.post(codes_of(second), json={"code": code.title()},
                         headers=org.auth) as response:
        await expect_error(response, 409, "coupon_code_taken", "code")
    assert (await listed(http, org, first), await listed(http, org, second)) == ([code], [])


async def test_another_org_may_use_the_same_code(http: aiohttp.ClientSession, org: Org,
                                                 other_org: Org, two: tuple[str, str]) -> None:
    code = _code()
    await assign(http, org, two[0], code)
    program = str((await create_program(http, other_org))["id"])
    theirs = (await create_affiliate(http, other_org, program))["id"]
    assert (await assign(http, other_org, theirs, code))["code"] == code
    assert await listed(http, other_org, theirs) == [code]
    assert await listed(http, org, two[0]) == [code]


async def test_the_list_is_cursor_paginated_oldest_first(http: aiohttp.ClientSession, org: Org,
                                                         two: tuple[str, str]) -> None:
    affiliate, other = two
    codes = [_code(f"P{n}") for n in range(5)]
    for code in codes:
        await assign(http, org, affiliate, code)
    await assign(http, org, other, _code())  # another affiliate's code never shows
    seen: list[str] = []
    params: dict[str, str] = {"take": "2"}
    while True:
        page = await get_page(http, org, codes_of(affiliate), **params)
        seen += [item["code"] for item in page["items"]]
        if not page["hasMore"]:
            assert page["nextCursor"] is None
            break
        params["cursor"] = page["nextCursor"]
    assert seen == codes
    async with http.get(codes_of(affiliate), params={"take": "0"}, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "take")


async def test_delete_in_any_case_frees_the_code(http: aiohttp.ClientSession, org: Org,
                                                 two: tuple[str, str]) -> None:
    first, second = two
    code, kept = _code(), _code()
    await assign(http, org, first, code)
    await assign(http, org, first, kept)
    async with http.delete(f"{codes_of(first)}/{code.lower()}", headers=org.auth) as response:
        assert response.status == 204
        assert await response.read() == b""
    assert await listed(http, org, first) == [kept]
    async with http.delete(f"{codes_of(first)}/{code}", headers=org.auth) as response:
        await expect_error(response, 404, "coupon_code_not_found", "code")
    assert (await assign(http, org, second, code))["affiliateId"] == second


async def test_delete_of_another_affiliates_code_is_404(http: aiohttp.ClientSession, org: Org,
                                                        two: tuple[str, str]) -> None:
    first, second = two
    code = _code()
    await assign(http, org, first, code)
    for path in (f"{codes_of(second)}/{code}", f"{codes_of(first)}/NOPE{code}",
                 f"{codes_of(first)}/not%20a%20code"):
        async with http.delete(path, headers=org.auth) as response:
            await expect_error(response, 404, "coupon_code_not_found", "code")
    assert await listed(http, org, first) == [code]


async def test_another_orgs_affiliate_is_404(http: aiohttp.ClientSession, org: Org,
                                             other_org: Org, two: tuple[str, str]) -> None:
    affiliate = two[0]
    code = _code()
    await assign(http, org, affiliate, code)
    for method, path, body in (("POST", codes_of(affiliate), {"code": _code()}),
                               ("GET", codes_of(affiliate), None),
                               ("DELETE", f"{codes_of(affiliate)}/{code}", None),
                               ("POST", codes_of(str(uuid.uuid4())), {"code": _code()})):
        async with http.request(method, path, json=body, headers=other_org.auth) as response:
            await expect_error(response, 404, "affiliate_not_found")
    async with http.get(codes_of("not-a-uuid"), headers=org.auth) as response:
        assert response.status == 404
    assert await listed(http, org, affiliate) == [code]


@pytest.mark.parametrize("body", [
    {"code": ""}, {"code": "A" * 65}, {"code": "SARAH 20"}, {"code": "sarah.20"},
    {"code": "50%OFF"}, {"code": "café"}, {"code": " SARAH20"}, {"code": 20}, {"code": None},
    {}, {"code": "OK", "extra": 1}])
async def test_bad_codes_are_400_naming_the_field(http: aiohttp.ClientSession, org: Org,
                                                  two: tuple[str, str],
                                                  body: dict[str, Any]) -> None:
    affiliate = two[0]
    async with http.post(codes_of(affiliate), json=body, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed",
                           "extra" if "extra" in body else "code")
    assert await listed(http, org, affiliate) == []


async def test_a_read_key_lists_but_cannot_write(http: aiohttp.ClientSession, org: Org,
                                                 two: tuple[str, str]) -> None:
    affiliate = two[0]
    code = _code()
    await assign(http, org, affiliate, code)
    read = await new_key(org, "read")
    for method, path, body in (("POST", codes_of(affiliate), {"code": _code()}),
                               ("DELETE", f"{codes_of(affiliate)}/{code}", None)):
        async with http.request(method, path, json=body, headers=read) as response:
            await expect_error(response, 403, "insufficient_scope")
    async with http.get(codes_of(affiliate), headers=read) as response:
        assert response.status == 200
        assert [item["code"] for item in (await response.json())["items"]] == [code]


async def test_assignment_and_removal_are_audited(http: aiohttp.ClientSession, org: Org,
                                                  two: tuple[str, str]) -> None:
    affiliate = two[0]
    code = _code()
    made = await assign(http, org, affiliate, code)
    await call(http, "DELETE", f"{codes_of(affiliate)}/{code}", org, expect=204)

    async def rows() -> list[dict[str, Any]] | None:
        page = await audit_page(http, org, entityType="coupon_code", pageSize="100")
        return page["items"] if page["total"] == 2 else None

    removed, assigned = await eventually(rows, what="two coupon_code audit rows")
    for row, action in ((assigned, "coupon_code.assigned"), (removed, "coupon_code.removed")):
        assert (row["action"], row["entityId"], row["actorType"]) == (action, made["id"],
                                                                      "api_key")
    assert (assigned["before"], json.loads(assigned["after"])) == (None, made)
    assert (json.loads(removed["before"]), removed["after"]) == (made, None)


async def test_deleting_the_affiliate_frees_its_codes(http: aiohttp.ClientSession, org: Org,
                                                      two: tuple[str, str]) -> None:
    gone, heir = two
    code = _code()
    await assign(http, org, gone, code)
    assert (await bulk(http, org, "delete", [gone]))["affected"] == 1
    async with http.get(codes_of(gone), headers=org.auth) as response:
        await expect_error(response, 404, "affiliate_not_found")
    assert (await assign(http, org, heir, code.lower()))["code"] == code.lower()


async def test_an_import_whose_affiliate_has_codes_is_not_reverted(
        http: aiohttp.ClientSession, org: Org) -> None:
    """A code is the brand's configuration, not something the import made: reverting would
    have to drop it unaudited, so the revert is refused until the code is removed."""
    program = str((await create_program(http, org))["id"])
    job = await imported(http, org, program, rows(1))
    [affiliate] = await all_affiliates(http, org, program)
    code = _code()
    await assign(http, org, affiliate["id"], code)
    refused = rekomi("admin", "revert-import", "--job", job["jobId"], "--json", check=False)
    assert refused.returncode == 1
    assert json.loads(refused.stderr.strip().splitlines()[-1])["error"] == (
        "import_revert_blocked")
    assert await listed(http, org, affiliate["id"]) == [code]
    await call(http, "DELETE", f"{codes_of(affiliate['id'])}/{code}", org, expect=204)
    done = rekomi("admin", "revert-import", "--job", job["jobId"], "--json")
    assert json.loads(done.stdout)["removedAffiliates"] == 1
