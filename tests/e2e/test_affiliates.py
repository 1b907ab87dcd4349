"""Affiliates over HTTP against the real stack: create, list and filters, pagination, get,
PATCH, the approve/reject lifecycle, bulk actions, and the validation around all of them."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime
from typing import Any

import aiohttp
import pytest

from tests.common.affiliates_api import (
    AFFILIATE_KEYS,
    AFFILIATES,
    APPLICATIONS,
    BULK,
    LINK_KEYS,
    SECRET_KEYS,
    affiliate_body,
    bulk,
    call,
    create_affiliate,
    get_affiliate,
    get_page,
    list_ids,
    set_private_fields,
)
from tests.common.api import PROGRAMS, create_program, expect_error
from tests.common.orgs import Org, new_org


@pytest.fixture
async def org() -> Org:
    return await new_org()


@pytest.fixture
async def program(http: aiohttp.ClientSession, org: Org) -> str:
    return str((await create_program(http, org))["id"])


def _iso(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value)


def _alias() -> str:
    return f"alias-{uuid.uuid4().hex[:10]}"


# ---- create ----------------------------------------------------------------------------------
async def test_create_returns_the_documented_response(http: aiohttp.ClientSession, org: Org,
                                                      program: str) -> None:
    async with http.post(AFFILIATES, json=affiliate_body(
            program, email="Jane.Doe@Creator.COM", fullName="Jane Doe"),
            headers=org.auth) as response:
        assert response.status == 201
        assert response.content_type == "application/json"
        created = await response.json()
    assert set(created) == AFFILIATE_KEYS
    uuid.UUID(created["id"])
    assert {k: created[k] for k in AFFILIATE_KEYS - {"id", "approvedAt", "createdAt", "links"}} \
        == {"programId": program, "email": "jane.doe@creator.com", "fullName": "Jane Doe",
            "status": "Approved", "customCommissionType": None, "customCommissionValue": None,
            "tags": [], "notes": None, "source": "Direct", "appliedAt": None}
    assert _iso(created["approvedAt"]) == _iso(created["createdAt"])
    [link] = created["links"]
    assert set(link) == LINK_KEYS
    assert (link["affiliateId"], link["customAlias"], link["isDefault"], link["format"]) == (
        created["id"], None, True, "Short")
    assert re.fullmatch(r"jane-doe-[a-z0-9]{5}", link["slug"]), link["slug"]
    _iso(link["createdAt"])
    assert await get_affiliate(http, org, created["id"]) == created


async def test_generated_slugs_are_readable_and_distinct(http: aiohttp.ClientSession,
                                                         org: Org, program: str) -> None:
    by_email = await create_affiliate(http, org, program, email="Sam.Smith@example.com")
    assert re.fullmatch(r"sam-smith-[a-z0-9]{5}", by_email["links"][0]["slug"])
    slugs = {(await create_affiliate(http, org, program, fullName="Same Name"))["links"][0]
             ["slug"] for _ in range(5)}
    assert len(slugs) == 5
    assert all(re.fullmatch(r"same-name-[a-z0-9]{5}", s) for s in slugs), slugs


async def test_create_as_pending_is_an_application(http: aiohttp.ClientSession, org: Org,
                                                   program: str) -> None:
    pending = await create_affiliate(http, org, program, status="Pending")
    assert (pending["status"], pending["approvedAt"]) == ("Pending", None)
    approved = await create_affiliate(http, org, program)
    assert await list_ids(http, org, APPLICATIONS) == [pending["id"]]
    assert await list_ids(http, org) == [pending["id"], approved["id"]]


async def test_custom_alias_becomes_the_slug(http: aiohttp.ClientSession, org: Org,
                                             program: str) -> None:
    alias = _alias()
    created = await create_affiliate(http, org, program, customAlias=alias)
    [link] = created["links"]
    assert (link["slug"], link["customAlias"], link["isDefault"]) == (alias, alias, True)


async def test_custom_commission_is_stored(http: aiohttp.ClientSession, org: Org,
                                          program: str) -> None:
    pct = await create_affiliate(http, org, program, customCommissionType="Percentage",
                                 customCommissionValue=100)
    assert (pct["customCommissionType"], pct["customCommissionValue"]) == ("Percentage", 100.0)
    fixed = await create_affiliate(http, org, program, customCommissionType="Fixed",
                                   customCommissionValue=2500.5)
    assert (fixed["customCommissionType"], fixed["customCommissionValue"]) == ("Fixed", 2500.5)
    assert await get_affiliate(http, org, fixed["id"]) == fixed


@pytest.mark.parametrize(("overrides", "field"), [
    ({"customAlias": "ab"}, "customAlias"),
    ({"customAlias": "a" * 65}, "customAlias"),
    ({"customAlias": "Upper-Case"}, "customAlias"),
    ({"customAlias": "-leading"}, "customAlias"),
    ({"customAlias": "trailing-"}, "customAlias"),
    ({"customAlias": "with space"}, "customAlias"),
    ({"customAlias": "under_score"}, "customAlias"),
    ({"customAlias": 12345}, "customAlias"),
    ({"email": "not-an-email"}, "email"),
    ({"email": None}, "email"),
    ({"programId": "not-a-uuid"}, "programId"),
    ({"status": "Active"}, "status"),
    ({"fullName": "x" * 201}, "fullName"),
    ({"customCommissionType": "Percentage"}, "customCommissionValue"),
    ({"customCommissionValue": 10}, "customCommissionType"),
    ({"customCommissionType": "Percentage", "customCommissionValue": 100.01},
     "customCommissionValue"),
    ({"customCommissionType": "Fixed", "customCommissionValue": -1}, "customCommissionValue"),
    ({"customCommissionType": "Fixed", "customCommissionValue": "10"}, "customCommissionValue"),
    ({"customCommissionType": "Bogus", "customCommissionValue": 10}, "customCommissionType"),
    ({"tags": ["x"]}, "tags"),
    ({"nickname": "x"}, "nickname"),
])
async def test_create_refuses_bad_input_and_changes_nothing(
        http: aiohttp.ClientSession, org: Org, program: str, overrides: dict[str, Any],
        field: str) -> None:
    async with http.post(AFFILIATES, json=affiliate_body(program, **overrides),
                         headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", field)
    assert await list_ids(http, org) == []


async def test_create_refuses_a_missing_program_or_email(http: aiohttp.ClientSession, org: Org,
                                                         program: str) -> None:
    async with http.post(AFFILIATES, json={"email": "a@example.com"},
                         headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "programId")
    async with http.post(AFFILIATES, json={"programId": program}, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "email")
    for raw, code in ((b"[]", "validation_failed"), (b"not json", "invalid_json")):
        async with http.post(AFFILIATES, data=raw, headers={
                **org.auth, "Content-Type": "application/json"}) as response:
            await expect_error(response, 400, code)
    assert await list_ids(http, org) == []


@pytest.mark.parametrize("alias", ["admin", "dashboard", "webhooks", "signup", "api"])
async def test_reserved_alias_is_refused(http: aiohttp.ClientSession, org: Org, program: str,
                                         alias: str) -> None:
    async with http.post(AFFILIATES, json=affiliate_body(program, customAlias=alias),
                         headers=org.auth) as response:
        await expect_error(response, 400, "slug_reserved", "customAlias")
    assert await list_ids(http, org) == []


async def test_alias_with_a_trailing_newline_is_refused(http: aiohttp.ClientSession, org: Org,
                                                        program: str) -> None:
    """``$`` in a regex also matches before a final newline: 'name\\n' must not pass."""
    async with http.post(AFFILIATES, json=affiliate_body(program, customAlias=_alias() + "\n"),
                         headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "customAlias")


async def test_alias_taken_by_any_org_conflicts(http: aiohttp.ClientSession, org: Org,
                                                program: str) -> None:
    other = await new_org()
    other_program = str((await create_program(http, other))["id"])
    alias = _alias()
    await create_affiliate(http, other, other_program, customAlias=alias)
    body = affiliate_body(program, customAlias=alias)
    async with http.post(AFFILIATES, json=body, headers=org.auth) as response:
        await expect_error(response, 409, "alias_already_taken", "customAlias")
    # A generated slug is taken just the same.
    generated = (await create_affiliate(http, other, other_program))["links"][0]["slug"]
    async with http.post(AFFILIATES, json=affiliate_body(program, customAlias=generated),
                         headers=org.auth) as response:
        await expect_error(response, 409, "alias_already_taken", "customAlias")
    assert await list_ids(http, org) == []
    # The refused email was rolled back with the link: it can be used now.
    del body["customAlias"]
    assert (await create_affiliate(http, org, program, email=body["email"]))["email"] == \
        body["email"]


async def test_email_is_unique_per_program(http: aiohttp.ClientSession, org: Org,
                                           program: str) -> None:
    first = await create_affiliate(http, org, program, email="dup@example.com")
    for email in ("dup@example.com", "DUP@Example.com"):
        async with http.post(AFFILIATES, json=affiliate_body(program, email=email),
                             headers=org.auth) as response:
            await expect_error(response, 409, "affiliate_already_exists", "email")
    second_program = str((await create_program(http, org))["id"])
    elsewhere = await create_affiliate(http, org, second_program, email="Dup@example.com")
    assert elsewhere["email"] == "dup@example.com"
    assert await list_ids(http, org) == [first["id"], elsewhere["id"]]
    # Deleting frees the email in its program.
    assert await bulk(http, org, "delete", [first["id"]]) == {
        "affected": 1, "total": 1, "action": "delete"}
    again = await create_affiliate(http, org, program, email="dup@example.com")
    assert again["id"] != first["id"]


async def test_create_in_an_archived_or_unknown_program_is_404(http: aiohttp.ClientSession,
                                                               org: Org, program: str) -> None:
    async with http.delete(f"{PROGRAMS}/{program}", headers=org.auth) as response:
        assert response.status == 204
    for program_id in (program, str(uuid.uuid4())):
        async with http.post(AFFILIATES, json=affiliate_body(program_id),
                             headers=org.auth) as response:
            await expect_error(response, 404, "program_not_found", "programId")
    assert await list_ids(http, org) == []


# ---- list, filters, pagination ---------------------------------------------------------------
async def test_list_filters_by_program_status_and_q(http: aiohttp.ClientSession, org: Org,
                                                    program: str) -> None:
    second = str((await create_program(http, org))["id"])
    jane = await create_affiliate(http, org, program, email="jane@creator.com",
                                  fullName="Jane Doe")
    bob = await create_affiliate(http, org, second, email="bob@JANESHOP.io",
                                 fullName="Robert", status="Pending")
    pct = await create_affiliate(http, org, program, email="p100_x@b.com",
                                 fullName="Mr 100% Real")
    await create_affiliate(http, org, second, email="p1000x@b.com", fullName="Plain")
    assert await list_ids(http, org, programId=program) == [jane["id"], pct["id"]]
    assert await list_ids(http, org, status="Pending") == [bob["id"]]
    assert await list_ids(http, org, status="Pending", programId=program) == []
    assert await list_ids(http, org, q="JANE") == [jane["id"], bob["id"]]  # name, email
    assert await list_ids(http, org, q="jane", programId=second) == [bob["id"]]
    assert await list_ids(http, org, q="doe") == [jane["id"]]
    # % and _ are matched literally, not as wildcards.
    assert await list_ids(http, org, q="0%") == [pct["id"]]
    assert await list_ids(http, org, q="p100_") == [pct["id"]]
    assert await list_ids(http, org, q="%") == [pct["id"]]
    assert await list_ids(http, org, q="nobody") == []
    assert await list_ids(http, org, q="\\") == []
    assert await list_ids(http, org, status="Banned") == []
    assert await list_ids(http, org, programId=str(uuid.uuid4())) == []
    page = await get_page(http, org, AFFILIATES, programId=program)
    assert set(page) == {"items", "nextCursor", "hasMore"}
    for item in page["items"]:
        assert set(item) == AFFILIATE_KEYS and not set(item) & SECRET_KEYS


async def test_list_paginates_with_a_cursor(http: aiohttp.ClientSession, org: Org,
                                            program: str) -> None:
    ids = [(await create_affiliate(http, org, program))["id"] for _ in range(5)]
    await create_affiliate(http, org, program, status="Pending")
    seen: list[str] = []
    sizes: list[int] = []
    cursor: str | None = None
    for _ in range(5):  # bounded: a broken cursor must not loop forever
        params = {"take": "2", "status": "Approved"} | ({"cursor": cursor} if cursor else {})
        page = await get_page(http, org, AFFILIATES, **params)
        sizes.append(len(page["items"]))
        seen += [item["id"] for item in page["items"]]
        if not page["hasMore"]:
            assert page["nextCursor"] is None
            break
        cursor = page["nextCursor"]
        assert isinstance(cursor, str) and cursor
    assert (sizes, seen) == ([2, 2, 1], ids)
    exact = await get_page(http, org, AFFILIATES, take="5", status="Approved")
    assert ([i["id"] for i in exact["items"]], exact["hasMore"]) == (ids, False)


BAD_QUERIES = [("take", "0"), ("take", "201"), ("take", "abc"), ("take", "-1"),
               ("cursor", "garbage!!"), ("cursor", "eyJ0IjogMX0"), ("programId", "nope"),
               ("q", "x" * 201)]


@pytest.mark.parametrize(("path", "name", "value"), [
    *[(AFFILIATES, *bad) for bad in [*BAD_QUERIES, ("status", "Active"), ("status", "pending")]],
    *[(APPLICATIONS, *bad) for bad in BAD_QUERIES],
])
async def test_list_refuses_bad_query(http: aiohttp.ClientSession, org: Org, path: str,
                                      name: str, value: str) -> None:
    async with http.get(path, params={name: value}, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", name)


async def test_applications_list_only_pending(http: aiohttp.ClientSession, org: Org,
                                              program: str) -> None:
    second = str((await create_program(http, org))["id"])
    pending = [(await create_affiliate(http, org, p, status="Pending", fullName=f"Pat {i}"))
               ["id"] for i, p in enumerate((program, second, program))]
    for status in ("Approved", "Rejected", "Paused", "Banned"):
        await create_affiliate(http, org, program, status=status, fullName="Pat")
    assert await list_ids(http, org, APPLICATIONS) == pending
    assert await list_ids(http, org, APPLICATIONS, programId=program) == [pending[0],
                                                                          pending[2]]
    assert await list_ids(http, org, APPLICATIONS, q="pat 1") == [pending[1]]
    assert await list_ids(http, org, APPLICATIONS, status="Approved") == pending
    page = await get_page(http, org, APPLICATIONS, take="2")
    assert [i["id"] for i in page["items"]] == pending[:2] and page["hasMore"] is True
    rest = await get_page(http, org, APPLICATIONS, take="2", cursor=page["nextCursor"])
    assert ([i["id"] for i in rest["items"]], rest["hasMore"]) == ([pending[2]], False)


# ---- get -------------------------------------------------------------------------------------
async def test_unknown_or_malformed_id_is_404(http: aiohttp.ClientSession, org: Org) -> None:
    for suffix, body in (("", None), ("", {"notes": "x"}), ("/approve", {}), ("/reject", {})):
        method = "GET" if body is None else ("PATCH" if suffix == "" else "POST")
        for affiliate_id, code in ((str(uuid.uuid4()), "affiliate_not_found"),
                                   ("not-a-uuid", "not_found")):
            async with http.request(method, f"{AFFILIATES}/{affiliate_id}{suffix}", json=body,
                                    headers=org.auth) as response:
                await expect_error(response, 404, code)


# ---- PATCH -----------------------------------------------------------------------------------
async def test_patch_changes_only_the_keys_sent(http: aiohttp.ClientSession, org: Org,
                                                program: str) -> None:
    created = await create_affiliate(http, org, program, fullName="Jane Doe")
    url = f"{AFFILIATES}/{created['id']}"
    changes = {"fullName": "Jane Doe (updated)", "customCommissionType": "Percentage",
               "customCommissionValue": 25.0, "notes": "Promoted to tier-1.",
               "tags": ["youtube", "tier-1", "youtube", "vip", "tier-1"]}
    patched = await call(http, "PATCH", url, org, changes)
    assert set(patched) == AFFILIATE_KEYS
    assert patched == {**created, **changes, "tags": ["youtube", "tier-1", "vip"]}
    assert await get_affiliate(http, org, created["id"]) == patched
    # Nothing sent, or the same values again: nothing changes.
    for body in ({}, {"notes": "Promoted to tier-1."}, {"tags": ["youtube", "tier-1", "vip"]},
                 {"status": "Approved"}):
        assert await call(http, "PATCH", url, org, body) == patched
    # null clears the optional fields; the commission pair goes together.
    cleared = await call(http, "PATCH", url, org, {
        "fullName": None, "notes": None, "customCommissionType": None,
        "customCommissionValue": None, "tags": []})
    assert cleared == {**patched, "fullName": None, "notes": None, "tags": [],
                       "customCommissionType": None, "customCommissionValue": None}
    # The link slug was fixed at creation; a new name does not rename it.
    assert cleared["links"] == created["links"]


@pytest.mark.parametrize(("body", "field"), [
    ({"status": None}, "status"),
    ({"status": "Active"}, "status"),
    # The pair is checked merged with what is stored (Fixed 500 here).
    ({"customCommissionType": "Percentage"}, "customCommissionValue"),
    ({"customCommissionType": "Percentage", "customCommissionValue": 150},
     "customCommissionValue"),
    ({"tags": ["ok", ""]}, "tags.1"),
    ({"tags": ["x" * 51]}, "tags.0"),
    ({"tags": [f"t{i}" for i in range(51)]}, "tags"),
    ({"tags": "youtube"}, "tags"),
    ({"notes": "x" * 5001}, "notes"),
    ({"fullName": 7}, "fullName"),
    ({"email": "new@example.com"}, "email"),
    ({"programId": str(uuid.uuid4())}, "programId"),
    ({"customAlias": "new-alias"}, "customAlias"),
    ({"notes": "a\u0000b"}, "notes"),
])
async def test_patch_refuses_bad_input_and_changes_nothing(
        http: aiohttp.ClientSession, org: Org, program: str, body: dict[str, Any],
        field: str) -> None:
    created = await create_affiliate(http, org, program, customCommissionType="Fixed",
                                     customCommissionValue=500)
    async with http.patch(f"{AFFILIATES}/{created['id']}", json={"notes": "n", **body},
                          headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", field)
    assert await get_affiliate(http, org, created["id"]) == created


@pytest.mark.parametrize("key", ["customCommissionType", "customCommissionValue"])
async def test_patch_half_the_commission_pair_as_null_is_refused(
        http: aiohttp.ClientSession, org: Org, program: str, key: str) -> None:
    created = await create_affiliate(http, org, program, customCommissionType="Fixed",
                                     customCommissionValue=500)
    async with http.patch(f"{AFFILIATES}/{created['id']}", json={key: None},
                          headers=org.auth) as response:
        body = await response.json()
        assert response.status == 400, (response.status, body)
    assert body["error"] == "validation_failed"
    assert body["field"] in ("customCommissionType", "customCommissionValue")
    assert await get_affiliate(http, org, created["id"]) == created


async def test_patch_one_half_of_the_commission_keeps_the_other(
        http: aiohttp.ClientSession, org: Org, program: str) -> None:
    created = await create_affiliate(http, org, program, customCommissionType="Fixed",
                                     customCommissionValue=500)
    async with http.patch(f"{AFFILIATES}/{created['id']}", json={"customCommissionValue": 10},
                          headers=org.auth) as response:
        assert response.status == 200
        body = await response.json()
    assert (body["customCommissionType"], body["customCommissionValue"]) == ("Fixed", 10.0)


async def test_patch_null_tags_is_refused(http: aiohttp.ClientSession, org: Org,
                                          program: str) -> None:
    created = await create_affiliate(http, org, program)
    async with http.patch(f"{AFFILIATES}/{created['id']}", json={"tags": None},
                          headers=org.auth) as response:
        body = await response.json()
        assert response.status == 400, (response.status, body)
    assert (body["error"], body["field"]) == ("validation_failed", "tags")


# ---- lifecycle: PATCH status, approve, reject ------------------------------------------------
async def _in_status(http: aiohttp.ClientSession, org: Org, program: str, status: str
                     ) -> dict[str, Any]:
    """An affiliate that reached ``status`` the usual way (a Paused one was Approved first)."""
    if status != "Paused":
        return await create_affiliate(http, org, program, status=status)
    approved = await create_affiliate(http, org, program)
    paused: dict[str, Any] = await call(http, "PATCH", f"{AFFILIATES}/{approved['id']}", org,
                                        {"status": "Paused"})
    return paused


STATUSES = ("Pending", "Approved", "Rejected", "Paused", "Banned")
# DOMAIN.md: Pending -> Approved | Rejected; Approved <-> Paused; any -> Banned.
LEGAL = {("Pending", "Approved"), ("Pending", "Rejected"), ("Approved", "Paused"),
         ("Paused", "Approved"), *((s, "Banned") for s in STATUSES if s != "Banned")}


@pytest.mark.parametrize(("start", "target", "allowed"), [
    (a, b, (a, b) in LEGAL) for a in STATUSES for b in STATUSES if a != b])
async def test_patch_status_follows_the_lifecycle(http: aiohttp.ClientSession, org: Org,
                                                  program: str, start: str, target: str,
                                                  allowed: bool) -> None:
    created = await _in_status(http, org, program, start)
    url = f"{AFFILIATES}/{created['id']}"
    if not allowed:
        async with http.patch(url, json={"status": target, "notes": "n"},
                              headers=org.auth) as response:
            body = await expect_error(response, 409, "invalid_status_transition", "status")
        assert start in body["message"]
        assert await get_affiliate(http, org, created["id"]) == created
        return
    patched = await call(http, "PATCH", url, org, {"status": target, "notes": "n"})
    assert (patched["status"], patched["notes"]) == (target, "n")
    if target == "Approved" and start == "Pending":
        assert _iso(patched["approvedAt"]) >= _iso(created["createdAt"])
    else:
        assert patched["approvedAt"] == created["approvedAt"]


@pytest.mark.parametrize("status", STATUSES)
async def test_patch_to_the_current_status_is_a_noop(http: aiohttp.ClientSession, org: Org,
                                                     program: str, status: str) -> None:
    created = await _in_status(http, org, program, status)
    url = f"{AFFILIATES}/{created['id']}"
    assert await call(http, "PATCH", url, org, {"status": status}) == created
    assert await get_affiliate(http, org, created["id"]) == created


async def test_approve(http: aiohttp.ClientSession, org: Org, program: str) -> None:
    pending = await _in_status(http, org, program, "Pending")
    url = f"{AFFILIATES}/{pending['id']}/approve"
    approved = await call(http, "POST", url, org, {})
    assert approved == {**approved, **{k: v for k, v in pending.items()
                                       if k not in ("status", "approvedAt")}}
    assert approved["status"] == "Approved"
    assert _iso(approved["approvedAt"]) >= _iso(pending["createdAt"])
    # Approving again is a no-op; an empty body is fine too.
    async with http.post(url, headers=org.auth) as response:
        assert response.status == 200
        assert await response.json() == approved
    paused = await call(http, "PATCH", f"{AFFILIATES}/{pending['id']}", org,
                        {"status": "Paused"})
    again = await call(http, "POST", url, org, {})
    assert (paused["status"], again["status"]) == ("Paused", "Approved")
    assert again["approvedAt"] == approved["approvedAt"]  # the first approval's time
    async with http.post(url, json={"reason": "x"}, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "reason")


@pytest.mark.parametrize("start", ["Rejected", "Banned"])
async def test_approve_refuses_rejected_and_banned(http: aiohttp.ClientSession, org: Org,
                                                   program: str, start: str) -> None:
    created = await _in_status(http, org, program, start)
    async with http.post(f"{AFFILIATES}/{created['id']}/approve", json={},
                         headers=org.auth) as response:
        await expect_error(response, 409, "invalid_status_transition", "status")
    assert await get_affiliate(http, org, created["id"]) == created


async def test_reject(http: aiohttp.ClientSession, org: Org, program: str) -> None:
    pending = await _in_status(http, org, program, "Pending")
    url = f"{AFFILIATES}/{pending['id']}/reject"
    async with http.post(url, json={"reason": "x" * 1001}, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "reason")
    rejected = await call(http, "POST", url, org, {"reason": "Off-topic audience"})
    assert rejected == {**pending, "status": "Rejected"}
    assert "Off-topic audience" not in str(rejected)  # the reason stays internal
    assert await call(http, "POST", url, org, {}) == rejected  # again: no-op
    bare = await _in_status(http, org, program, "Pending")
    async with http.post(f"{AFFILIATES}/{bare['id']}/reject", headers=org.auth) as response:
        assert response.status == 200
        assert (await response.json())["status"] == "Rejected"


@pytest.mark.parametrize("start", ["Approved", "Paused", "Banned"])
async def test_reject_refuses_non_pending(http: aiohttp.ClientSession, org: Org, program: str,
                                          start: str) -> None:
    created = await _in_status(http, org, program, start)
    async with http.post(f"{AFFILIATES}/{created['id']}/reject", json={"reason": "no"},
                         headers=org.auth) as response:
        await expect_error(response, 409, "invalid_status_transition", "status")
    assert await get_affiliate(http, org, created["id"]) == created


# ---- bulk-action -----------------------------------------------------------------------------
async def test_bulk_approve_and_pause_touch_only_what_the_lifecycle_allows(
        http: aiohttp.ClientSession, org: Org, program: str) -> None:
    made = {s: await _in_status(http, org, program, s)
            for s in ("Pending", "Approved", "Paused", "Rejected", "Banned")}
    ids = [a["id"] for a in made.values()]
    unknown = str(uuid.uuid4())
    result = await bulk(http, org, "approve", [*ids, unknown, made["Pending"]["id"]])
    assert result == {"affected": 2, "total": 7, "action": "approve"}  # Pending, Paused
    after = {s: (await get_affiliate(http, org, a["id"]))["status"] for s, a in made.items()}
    assert after == {"Pending": "Approved", "Approved": "Approved", "Paused": "Approved",
                     "Rejected": "Rejected", "Banned": "Banned"}
    assert (await get_affiliate(http, org, made["Approved"]["id"])) == made["Approved"]
    paused = await bulk(http, org, "pause", ids)
    assert paused == {"affected": 3, "total": 5, "action": "pause"}
    assert await list_ids(http, org, status="Paused") == [made[s]["id"] for s in (
        "Pending", "Approved", "Paused")]
    assert await bulk(http, org, "pause", ids) == {"affected": 0, "total": 5,
                                                   "action": "pause"}


async def test_bulk_delete_hides_the_affiliates(http: aiohttp.ClientSession, org: Org,
                                                program: str) -> None:
    gone = [await create_affiliate(http, org, program),
            await create_affiliate(http, org, program, status="Pending")]
    kept = await create_affiliate(http, org, program)
    ids = [a["id"] for a in gone]
    assert await bulk(http, org, "delete", [*ids, ids[0]]) == {
        "affected": 2, "total": 3, "action": "delete"}
    for affiliate_id in ids:
        async with http.get(f"{AFFILIATES}/{affiliate_id}", headers=org.auth) as response:
            await expect_error(response, 404, "affiliate_not_found")
        for method, suffix, body in (("PATCH", "", {"notes": "x"}), ("POST", "/approve", {}),
                                     ("POST", "/reject", {})):
            async with http.request(method, f"{AFFILIATES}/{affiliate_id}{suffix}", json=body,
                                    headers=org.auth) as response:
                await expect_error(response, 404, "affiliate_not_found")
    assert await list_ids(http, org) == [kept["id"]]
    assert await list_ids(http, org, APPLICATIONS) == []
    assert await list_ids(http, org, q=gone[0]["email"]) == []
    assert await bulk(http, org, "delete", ids) == {"affected": 0, "total": 2,
                                                    "action": "delete"}
    assert await bulk(http, org, "approve", ids) == {"affected": 0, "total": 2,
                                                     "action": "approve"}
    # A deleted affiliate's link slug stays taken (slugs are never reused).
    slug = gone[0]["links"][0]["slug"]
    async with http.post(AFFILIATES, json=affiliate_body(program, customAlias=slug),
                         headers=org.auth) as response:
        await expect_error(response, 409, "alias_already_taken", "customAlias")


async def test_bulk_takes_up_to_200_ids(http: aiohttp.ClientSession, org: Org) -> None:
    ids = [str(uuid.uuid4()) for _ in range(200)]
    assert await bulk(http, org, "pause", ids) == {"affected": 0, "total": 200,
                                                   "action": "pause"}


MINE = "<the affiliate's id>"


@pytest.mark.parametrize(("body", "field"), [
    ({"affiliateIds": [], "action": "approve"}, "affiliateIds"),
    ({"affiliateIds": [MINE] + [str(uuid.uuid4()) for _ in range(200)], "action": "approve"},
     "affiliateIds"),
    ({"affiliateIds": [MINE, "nope"], "action": "approve"}, "affiliateIds.1"),
    ({"affiliateIds": MINE, "action": "approve"}, "affiliateIds"),
    ({"affiliateIds": [MINE], "action": "ban"}, "action"),
    ({"affiliateIds": [MINE], "action": "Approve"}, "action"),
    ({"affiliateIds": [MINE]}, "action"),
    ({"action": "delete"}, "affiliateIds"),
    ({"affiliateIds": [MINE], "action": "delete", "force": True}, "force"),
])
async def test_bulk_refuses_bad_input_and_changes_nothing(
        http: aiohttp.ClientSession, org: Org, program: str, body: dict[str, Any],
        field: str) -> None:
    created = await create_affiliate(http, org, program, status="Pending")
    ids = body.get("affiliateIds")
    if isinstance(ids, list):
        body = {**body, "affiliateIds": [created["id"] if i == MINE else i for i in ids]}
    elif ids == MINE:
        body = {**body, "affiliateIds": created["id"]}
    async with http.post(BULK, json=body, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", field)
    assert await get_affiliate(http, org, created["id"]) == created


async def test_stored_only_fields_never_reach_an_api_key(http: aiohttp.ClientSession, org: Org,
                                                         program: str) -> None:
    created = await create_affiliate(http, org, program, status="Pending")
    await set_private_fields(created["id"])
    url = f"{AFFILIATES}/{created['id']}"
    answers = [await get_affiliate(http, org, created["id"]),
               (await get_page(http, org))["items"][0],
               (await get_page(http, org, APPLICATIONS))["items"][0],
               await call(http, "PATCH", url, org, {"notes": "n"}),
               await call(http, "POST", f"{url}/approve", org, {})]
    for answer in answers:
        assert set(answer) == AFFILIATE_KEYS, answer
        text = str(answer)
        for secret in ("my audience", "payme@example.com", "internal reason"):
            assert secret not in text


# ---- races -----------------------------------------------------------------------------------
async def _post_status(http: aiohttp.ClientSession, org: Org, path: str, body: dict[str, Any]
                       ) -> tuple[int, dict[str, Any]]:
    async with http.post(path, json=body, headers=org.auth) as response:
        return response.status, await response.json()


async def test_concurrent_creates_of_one_email_make_one_affiliate(
        http: aiohttp.ClientSession, org: Org, program: str) -> None:
    body = affiliate_body(program)
    answers = await asyncio.gather(*(_post_status(http, org, AFFILIATES, body)
                                     for _ in range(6)))
    assert sorted(status for status, _ in answers) == [201] + [409] * 5, answers
    assert {a["error"] for status, a in answers if status == 409} == {"affiliate_already_exists"}
    assert len(await list_ids(http, org)) == 1


async def test_concurrent_creates_with_one_alias_make_one_link(
        http: aiohttp.ClientSession, org: Org, program: str) -> None:
    alias = _alias()
    answers = await asyncio.gather(*(_post_status(
        http, org, AFFILIATES, affiliate_body(program, customAlias=alias)) for _ in range(6)))
    assert sorted(status for status, _ in answers) == [201] + [409] * 5, answers
    assert {a["error"] for status, a in answers if status == 409} == {"alias_already_taken"}
    assert len(await list_ids(http, org)) == 1


async def test_concurrent_approve_and_reject_leave_one_outcome(
        http: aiohttp.ClientSession, org: Org, program: str) -> None:
    pending = await create_affiliate(http, org, program, status="Pending")
    url = f"{AFFILIATES}/{pending['id']}"
    answers = await asyncio.gather(_post_status(http, org, f"{url}/approve", {}),
                                   _post_status(http, org, f"{url}/reject", {}))
    final = await get_affiliate(http, org, pending["id"])
    assert final["status"] in ("Approved", "Rejected")
    winner = 0 if final["status"] == "Approved" else 1
    assert answers[winner] == (200, final)
    assert answers[1 - winner][0] == 409
    assert answers[1 - winner][1]["error"] == "invalid_status_transition"
