"""Programs over HTTP against the real stack: create, list, get, patch, archive, validation."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

import aiohttp
import pytest

from tests.common.api import (
    PROGRAM_KEYS,
    PROGRAMS,
    create_program,
    expect_error,
    get_program,
    list_all,
    program_body,
    set_custom_domain_verified,
)
from tests.common.orgs import Org

FULL_BODY: dict[str, Any] = {
    "name": "Holiday promo program",
    "slug": "holiday-2026",
    "description": "Limited-time 30% commission for Q4.",
    "termsUrl": "https://yourbrand.com/affiliate-terms",
    "defaultCommissionType": "Percentage",
    "defaultCommissionValue": 30.0,
    "defaultCommissionModel": "Cps",
    "cookieWindowDays": 45,
    "recurringMonths": 6,
    "recurringDelayInvoices": 1,
    "attributionModel": "FirstTouch",
    "autoApprove": True,
    "isActive": False,
    "customDomain": "go.yourbrand.com",
    "networkVisibility": "InviteOnly",
    "isPubliclyDiscoverable": False,
}


def _iso(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value)


# ---- create ----------------------------------------------------------------------------------
async def test_create_returns_the_full_program_response(http: aiohttp.ClientSession,
                                                        org: Org) -> None:
    async with http.post(PROGRAMS, json=FULL_BODY, headers=org.auth) as response:
        assert response.status == 201
        assert response.content_type == "application/json"
        created = await response.json()
    assert set(created) == PROGRAM_KEYS
    uuid.UUID(created["id"])
    for key, value in FULL_BODY.items():
        assert created[key] == value, key
    assert created["customDomainVerified"] is False
    assert created["archivedAt"] is None
    assert created["createdAt"] == created["updatedAt"]
    _iso(created["createdAt"])
    assert await get_program(http, org, created["id"]) == created


async def test_create_applies_documented_defaults_and_derives_the_slug(
        http: aiohttp.ClientSession, org: Org) -> None:
    suffix = uuid.uuid4().hex[:6]
    body = {"name": f"Holiday Promo! {suffix} (Q4)", "defaultCommissionType": "Fixed",
            "defaultCommissionValue": 1250}
    async with http.post(PROGRAMS, json=body, headers=org.auth) as response:
        assert response.status == 201
        created = await response.json()
    assert set(created) == PROGRAM_KEYS
    assert created["slug"] == f"holiday-promo-{suffix}-q4"
    assert created["defaultCommissionValue"] == 1250.0
    assert {k: created[k] for k in (
        "description", "termsUrl", "isActive", "defaultCommissionModel", "cookieWindowDays",
        "recurringMonths", "recurringDelayInvoices", "attributionModel", "autoApprove",
        "customDomain", "customDomainVerified", "networkVisibility",
        "isPubliclyDiscoverable")} == {
        "description": None, "termsUrl": None, "isActive": True, "defaultCommissionModel": "Cps",
        "cookieWindowDays": 30, "recurringMonths": None, "recurringDelayInvoices": 0,
        "attributionModel": "LastTouch", "autoApprove": False, "customDomain": None,
        "customDomainVerified": False, "networkVisibility": "Private",
        "isPubliclyDiscoverable": True}


@pytest.mark.parametrize("model", ["Cpa", "RevShare", "Hybrid", "Cpc", "Cpl"])
async def test_legacy_and_current_commission_models_are_accepted(
        http: aiohttp.ClientSession, org: Org, model: str) -> None:
    created = await create_program(http, org, defaultCommissionModel=model)
    assert created["defaultCommissionModel"] == model
    assert (await get_program(http, org, created["id"]))["defaultCommissionModel"] == model


# ---- list ------------------------------------------------------------------------------------
async def test_list_paginates_with_a_cursor(http: aiohttp.ClientSession, org: Org) -> None:
    ids = [(await create_program(http, org))["id"] for _ in range(5)]
    seen: list[str] = []
    pages: list[int] = []
    cursor: str | None = None
    for _ in range(5):  # bounded: a broken cursor must not loop forever
        params = {"take": "2"} | ({"cursor": cursor} if cursor else {})
        async with http.get(PROGRAMS, params=params, headers=org.auth) as response:
            assert response.status == 200
            page = await response.json()
        assert set(page) == {"items", "nextCursor", "hasMore"}
        for item in page["items"]:
            assert set(item) == PROGRAM_KEYS
        pages.append(len(page["items"]))
        seen += [item["id"] for item in page["items"]]
        if not page["hasMore"]:
            assert page["nextCursor"] is None
            break
        assert isinstance(page["nextCursor"], str) and page["nextCursor"]
        cursor = page["nextCursor"]
    assert pages == [2, 2, 1]
    assert seen == ids  # oldest first, no duplicates, nothing skipped
    # A page that ends exactly at the last program says there is no more.
    async with http.get(PROGRAMS, params={"take": "5"}, headers=org.auth) as response:
        page = await response.json()
    assert ([p["id"] for p in page["items"]], page["hasMore"], page["nextCursor"]) == (
        ids, False, None)
    async with http.get(PROGRAMS, params={"take": "2", "cursor": cursor or ""},
                        headers=org.auth) as response:
        last = await response.json()
    assert ([p["id"] for p in last["items"]], last["hasMore"]) == (ids[4:], False)


async def test_list_defaults_take_and_is_scoped_to_the_org(
        http: aiohttp.ClientSession, org: Org, other_org: Org) -> None:
    mine = await create_program(http, org)
    await create_program(http, other_org)
    async with http.get(PROGRAMS, headers=org.auth) as response:
        assert response.status == 200
        page = await response.json()
    assert page == {"items": [mine], "nextCursor": None, "hasMore": False}


async def test_list_takes_50_by_default(http: aiohttp.ClientSession, org: Org) -> None:
    ids = [(await create_program(http, org))["id"] for _ in range(51)]
    async with http.get(PROGRAMS, headers=org.auth) as response:
        page = await response.json()
    assert [p["id"] for p in page["items"]] == ids[:50]
    assert page["hasMore"] is True and page["nextCursor"]
    async with http.get(PROGRAMS, params={"cursor": page["nextCursor"]},
                        headers=org.auth) as response:
        rest = await response.json()
    assert ([p["id"] for p in rest["items"]], rest["hasMore"], rest["nextCursor"]) == (
        ids[50:], False, None)


@pytest.mark.parametrize("take", ["0", "201", "abc", "-1", "1.5"])
async def test_list_refuses_a_bad_take(http: aiohttp.ClientSession, org: Org,
                                       take: str) -> None:
    async with http.get(PROGRAMS, params={"take": take}, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "take")


async def test_list_accepts_the_take_bounds(http: aiohttp.ClientSession, org: Org) -> None:
    for take in ("1", "200"):
        async with http.get(PROGRAMS, params={"take": take}, headers=org.auth) as response:
            assert response.status == 200


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "garbage!!", "not-a-cursor", _b64("[1]"), _b64('"text"'), _b64("null"),
    _b64('{"t": 1, "i": "x"}'), _b64('{"t": "2026-01-01T00:00:00Z", "i": 7}'),
    _b64('{"t": "2026-01-01T00:00:00Z"}'),
])
async def test_list_refuses_a_garbage_cursor(http: aiohttp.ClientSession, org: Org,
                                             cursor: str) -> None:
    async with http.get(PROGRAMS, params={"cursor": cursor}, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "cursor")


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
async def test_list_refuses_a_forged_cursor_out_of_range(http: aiohttp.ClientSession, org: Org,
                                                         moment: str) -> None:
    cursor = _b64(json.dumps({"t": moment, "i": str(uuid.uuid4())}))
    async with http.get(PROGRAMS, params={"cursor": cursor}, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "cursor")


# ---- get / tenancy ---------------------------------------------------------------------------
async def test_another_orgs_program_is_not_found_and_untouched(
        http: aiohttp.ClientSession, org: Org, other_org: Org) -> None:
    theirs = await create_program(http, other_org)
    url = f"{PROGRAMS}/{theirs['id']}"
    async with http.get(url, headers=org.auth) as response:
        await expect_error(response, 404, "program_not_found")
    async with http.patch(url, json={"name": "hijacked"}, headers=org.auth) as response:
        await expect_error(response, 404, "program_not_found")
    async with http.delete(url, headers=org.auth) as response:
        await expect_error(response, 404, "program_not_found")
    assert await get_program(http, other_org, theirs["id"]) == theirs


# A fixed unknown id: pytest-xdist workers must collect the same test ids.
@pytest.mark.parametrize("program_id", ["not-a-uuid", "123",
                                        "8e2b4f61-3c7a-4d95-b0e8-6a1f2c9d7e43"])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_unknown_or_malformed_id_is_404(http: aiohttp.ClientSession, org: Org,
                                              program_id: str, method: str) -> None:
    kwargs: dict[str, Any] = {"json": {"name": "x"}} if method == "PATCH" else {}
    async with http.request(method, f"{PROGRAMS}/{program_id}", headers=org.auth,
                            **kwargs) as response:
        body = await expect_error(response, 404, response_code(program_id))
    assert body["field"] is None


def response_code(program_id: str) -> str:
    try:
        uuid.UUID(program_id)
    except ValueError:
        return "not_found"
    return "program_not_found"


# ---- validation ------------------------------------------------------------------------------
@pytest.mark.parametrize(("field", "value"), [
    ("defaultCommissionType", "Percent"),
    ("defaultCommissionType", "percentage"),
    ("defaultCommissionModel", "Cpm"),
    ("attributionModel", "MiddleTouch"),
    ("networkVisibility", "Hidden"),
    ("networkVisibility", "Public"),
])
async def test_create_refuses_unknown_enum_values(http: aiohttp.ClientSession, org: Org,
                                                  field: str, value: str) -> None:
    async with http.post(PROGRAMS, json=program_body(**{field: value}),
                         headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", field)


@pytest.mark.parametrize(("field", "value"), [
    ("defaultCommissionType", "Percent"),
    ("defaultCommissionModel", "Cpm"),
    ("attributionModel", "MiddleTouch"),
    ("networkVisibility", "Hidden"),
    ("networkVisibility", "Public"),
])
async def test_patch_refuses_unknown_enum_values(http: aiohttp.ClientSession, org: Org,
                                                 field: str, value: str) -> None:
    created = await create_program(http, org)
    async with http.patch(f"{PROGRAMS}/{created['id']}", json={field: value},
                          headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", field)
    assert await get_program(http, org, created["id"]) == created


async def test_public_visibility_message_points_at_networked(http: aiohttp.ClientSession,
                                                             org: Org) -> None:
    async with http.post(PROGRAMS, json=program_body(networkVisibility="Public"),
                         headers=org.auth) as response:
        body = await expect_error(response, 400, "validation_failed", "networkVisibility")
    assert "Public" in body["message"] and "Networked" in body["message"]


async def test_documented_visibility_values_are_accepted(http: aiohttp.ClientSession,
                                                         org: Org) -> None:
    created = await create_program(http, org, networkVisibility="Networked")
    assert created["networkVisibility"] == "Networked"
    async with http.patch(f"{PROGRAMS}/{created['id']}", json={"networkVisibility": "InviteOnly"},
                          headers=org.auth) as response:
        assert response.status == 200
        assert (await response.json())["networkVisibility"] == "InviteOnly"


async def test_percentage_is_capped_at_100(http: aiohttp.ClientSession, org: Org) -> None:
    for value in (100.01, 150, 101):
        async with http.post(PROGRAMS, json=program_body(defaultCommissionValue=value),
                             headers=org.auth) as response:
            await expect_error(response, 400, "validation_failed", "defaultCommissionValue")
    created = await create_program(http, org, defaultCommissionValue=100)
    assert created["defaultCommissionValue"] == 100.0
    async with http.patch(f"{PROGRAMS}/{created['id']}", json={"defaultCommissionValue": 100.5},
                          headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "defaultCommissionValue")
    assert await get_program(http, org, created["id"]) == created


async def test_patch_to_percentage_checks_the_existing_value(http: aiohttp.ClientSession,
                                                             org: Org) -> None:
    fixed = await create_program(http, org, defaultCommissionType="Fixed",
                                 defaultCommissionValue=500)
    assert fixed["defaultCommissionValue"] == 500.0
    async with http.patch(f"{PROGRAMS}/{fixed['id']}",
                          json={"defaultCommissionType": "Percentage"},
                          headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "defaultCommissionValue")
    assert await get_program(http, org, fixed["id"]) == fixed
    # Switching both at once to a legal pair works.
    async with http.patch(f"{PROGRAMS}/{fixed['id']}",
                          json={"defaultCommissionType": "Percentage",
                                "defaultCommissionValue": 25},
                          headers=org.auth) as response:
        assert response.status == 200
        changed = await response.json()
    assert (changed["defaultCommissionType"], changed["defaultCommissionValue"]) == (
        "Percentage", 25.0)


@pytest.mark.parametrize(("field", "value"), [
    ("defaultCommissionValue", "20"),
    ("cookieWindowDays", "30"),
    ("recurringMonths", "12"),
    ("recurringDelayInvoices", "1"),
    ("autoApprove", "true"),
    ("isActive", "false"),
    ("defaultCommissionValue", True),
    ("cookieWindowDays", 30.5),
    ("defaultCommissionValue", -1),
    ("defaultCommissionValue", 10.123),
    ("cookieWindowDays", 0),
    ("cookieWindowDays", 366),
    ("recurringMonths", -1),
    ("slug", "Not A Slug"),
    ("termsUrl", "ftp://nope"),
    ("customDomain", "not a domain"),
    ("name", ""),
    ("name", None),
    ("defaultCommissionType", None),
])
async def test_create_refuses_wrongly_typed_or_out_of_range_fields(
        http: aiohttp.ClientSession, org: Org, field: str, value: object) -> None:
    async with http.post(PROGRAMS, json=program_body(**{field: value}),
                         headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", field)


@pytest.mark.parametrize("missing", ["name", "defaultCommissionType", "defaultCommissionValue"])
async def test_create_requires_fields(http: aiohttp.ClientSession, org: Org,
                                      missing: str) -> None:
    body = program_body()
    del body[missing]
    async with http.post(PROGRAMS, json=body, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", missing)


async def test_unknown_body_keys_are_refused(http: aiohttp.ClientSession, org: Org) -> None:
    async with http.post(PROGRAMS, json=program_body(commisionValue=10),
                         headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "commisionValue")
    created = await create_program(http, org)
    async with http.patch(f"{PROGRAMS}/{created['id']}",
                          json={"name": "ok", "customDomainVerified": True},
                          headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "customDomainVerified")
    assert await get_program(http, org, created["id"]) == created


async def test_malformed_json_creates_nothing(http: aiohttp.ClientSession, org: Org) -> None:
    before = await list_all(http, org)
    for raw in (b'{"name": "x",', b"not json", b'{"name": "x"} trailing', b"\xff\xfe"):
        async with http.post(PROGRAMS, data=raw, headers={
                **org.auth, "Content-Type": "application/json"}) as response:
            await expect_error(response, 400, "invalid_json")
    assert await list_all(http, org) == before


@pytest.mark.parametrize("raw", [b"[]", b'[{"name": "x"}]', b'"text"', b"42", b"null"])
async def test_non_object_json_body_is_refused(http: aiohttp.ClientSession, org: Org,
                                               raw: bytes) -> None:
    before = await list_all(http, org)
    async with http.post(PROGRAMS, data=raw, headers={
            **org.auth, "Content-Type": "application/json"}) as response:
        await expect_error(response, 400, "validation_failed")
    assert await list_all(http, org) == before


@pytest.mark.parametrize("field", ["name", "description"])
async def test_nul_characters_are_refused_not_a_500(http: aiohttp.ClientSession, org: Org,
                                                    field: str) -> None:
    async with http.post(PROGRAMS, json=program_body(**{field: "bad\u0000text"}),
                         headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", field)


async def test_nul_characters_in_patch_are_refused_not_a_500(http: aiohttp.ClientSession,
                                                             org: Org) -> None:
    created = await create_program(http, org)
    async with http.patch(f"{PROGRAMS}/{created['id']}", json={"name": "bad\u0000name"},
                          headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "name")


# ---- slugs -----------------------------------------------------------------------------------
async def test_slug_is_unique_per_org_among_live_programs(
        http: aiohttp.ClientSession, org: Org, other_org: Org) -> None:
    slug = f"promo-{uuid.uuid4().hex[:8]}"
    first = await create_program(http, org, slug=slug)
    async with http.post(PROGRAMS, json=program_body(slug=slug), headers=org.auth) as response:
        await expect_error(response, 409, "slug_already_taken", "slug")
    # Another org may use the same slug.
    assert (await create_program(http, other_org, slug=slug))["slug"] == slug
    # A PATCH onto a taken slug conflicts too.
    second = await create_program(http, org)
    async with http.patch(f"{PROGRAMS}/{second['id']}", json={"slug": slug},
                          headers=org.auth) as response:
        await expect_error(response, 409, "slug_already_taken", "slug")
    assert await get_program(http, org, second["id"]) == second
    # Archiving frees the slug.
    async with http.delete(f"{PROGRAMS}/{first['id']}", headers=org.auth) as response:
        assert response.status == 204
    reused = await create_program(http, org, slug=slug)
    assert reused["slug"] == slug and reused["id"] != first["id"]


async def test_derived_slug_conflicts_like_an_explicit_one(http: aiohttp.ClientSession,
                                                           org: Org) -> None:
    name = f"Same name {uuid.uuid4().hex[:6]}"
    await create_program(http, org, name=name)
    async with http.post(PROGRAMS, json=program_body(name=name), headers=org.auth) as response:
        await expect_error(response, 409, "slug_already_taken", "slug")


# ---- patch -----------------------------------------------------------------------------------
async def test_patch_changes_only_the_keys_sent(http: aiohttp.ClientSession, org: Org) -> None:
    created = await create_program(http, org, **{k: v for k, v in FULL_BODY.items()
                                                  if k not in ("name", "slug")})
    changes = {"name": "Holiday promo (extended)", "isActive": True,
               "defaultCommissionValue": 35.0, "autoApprove": False,
               "networkVisibility": "Networked"}
    async with http.patch(f"{PROGRAMS}/{created['id']}", json=changes,
                          headers=org.auth) as response:
        assert response.status == 200
        patched = await response.json()
    assert set(patched) == PROGRAM_KEYS
    for key in PROGRAM_KEYS - set(changes) - {"updatedAt"}:
        assert patched[key] == created[key], key
    for key, value in changes.items():
        assert patched[key] == value, key
    # whole seconds on the wire: a change within the second shows the same moment
    assert _iso(patched["updatedAt"]) >= _iso(created["updatedAt"])
    assert await get_program(http, org, created["id"]) == patched


async def test_empty_patch_changes_nothing(http: aiohttp.ClientSession, org: Org) -> None:
    created = await create_program(http, org)
    for body in ({}, {"name": created["name"]}, {"recurringMonths": None}):
        async with http.patch(f"{PROGRAMS}/{created['id']}", json=body,
                              headers=org.auth) as response:
            assert response.status == 200
            assert await response.json() == created
    assert await get_program(http, org, created["id"]) == created


async def test_recurring_months_minus_one_clears_and_null_leaves(
        http: aiohttp.ClientSession, org: Org) -> None:
    created = await create_program(http, org, recurringMonths=12)
    url = f"{PROGRAMS}/{created['id']}"
    async with http.patch(url, json={"recurringMonths": None}, headers=org.auth) as response:
        assert response.status == 200
        assert (await response.json())["recurringMonths"] == 12
    async with http.patch(url, json={"recurringMonths": 0}, headers=org.auth) as response:
        assert response.status == 200
        assert (await response.json())["recurringMonths"] == 0
    async with http.patch(url, json={"recurringMonths": -1}, headers=org.auth) as response:
        assert response.status == 200
        assert (await response.json())["recurringMonths"] is None
    assert (await get_program(http, org, created["id"]))["recurringMonths"] is None
    async with http.patch(url, json={"recurringMonths": -2}, headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", "recurringMonths")


@pytest.mark.parametrize("field", [
    "name", "slug", "defaultCommissionType", "defaultCommissionValue", "defaultCommissionModel",
    "cookieWindowDays", "recurringDelayInvoices", "attributionModel", "autoApprove", "isActive",
    "networkVisibility", "isPubliclyDiscoverable",
])
async def test_patch_refuses_null_for_required_fields(http: aiohttp.ClientSession, org: Org,
                                                      field: str) -> None:
    created = await create_program(http, org)
    async with http.patch(f"{PROGRAMS}/{created['id']}", json={field: None},
                          headers=org.auth) as response:
        await expect_error(response, 400, "validation_failed", field)
    assert await get_program(http, org, created["id"]) == created


async def test_patch_null_clears_optional_fields(http: aiohttp.ClientSession, org: Org) -> None:
    created = await create_program(http, org, description="d", termsUrl="https://x.example/t",
                                   customDomain="go.example.com")
    async with http.patch(f"{PROGRAMS}/{created['id']}",
                          json={"description": None, "termsUrl": None, "customDomain": None},
                          headers=org.auth) as response:
        assert response.status == 200
        patched = await response.json()
    assert (patched["description"], patched["termsUrl"], patched["customDomain"]) == (
        None, None, None)


async def test_changing_custom_domain_resets_verification(http: aiohttp.ClientSession,
                                                          org: Org) -> None:
    created = await create_program(http, org, customDomain="go.brand-one.com")
    url = f"{PROGRAMS}/{created['id']}"
    await set_custom_domain_verified(created["id"], True)
    assert (await get_program(http, org, created["id"]))["customDomainVerified"] is True
    # The same domain (even spelt differently) keeps the verification.
    for same in ("go.brand-one.com", "GO.Brand-One.com."):
        async with http.patch(url, json={"customDomain": same, "name": created["name"]},
                              headers=org.auth) as response:
            assert response.status == 200
            body = await response.json()
        assert (body["customDomain"], body["customDomainVerified"]) == ("go.brand-one.com", True)
    # Another change leaves it alone too.
    async with http.patch(url, json={"autoApprove": True}, headers=org.auth) as response:
        assert (await response.json())["customDomainVerified"] is True
    # A different domain resets it.
    async with http.patch(url, json={"customDomain": "go.brand-two.com"},
                          headers=org.auth) as response:
        assert response.status == 200
        body = await response.json()
    assert (body["customDomain"], body["customDomainVerified"]) == ("go.brand-two.com", False)
    assert (await get_program(http, org, created["id"]))["customDomainVerified"] is False
    # Clearing the domain also leaves it unverified.
    await set_custom_domain_verified(created["id"], True)
    async with http.patch(url, json={"customDomain": None}, headers=org.auth) as response:
        body = await response.json()
    assert (body["customDomain"], body["customDomainVerified"]) == (None, False)


# ---- archive ---------------------------------------------------------------------------------
async def test_delete_archives_softly(http: aiohttp.ClientSession, org: Org) -> None:
    created = await create_program(http, org)
    kept = await create_program(http, org)
    url = f"{PROGRAMS}/{created['id']}"
    async with http.delete(url, headers=org.auth) as response:
        assert response.status == 204
        assert await response.read() == b""
    archived = await get_program(http, org, created["id"])
    assert archived["archivedAt"] is not None
    assert _iso(archived["archivedAt"]) >= _iso(created["createdAt"])
    for key in PROGRAM_KEYS - {"archivedAt", "updatedAt"}:
        assert archived[key] == created[key], key
    assert [p["id"] for p in await list_all(http, org)] == [kept["id"]]
    assert [p["id"] for p in await list_all(http, org, include_archived=True)] == [
        created["id"], kept["id"]]
    async with http.get(PROGRAMS, params={"includeArchived": "false"},
                        headers=org.auth) as response:
        assert [p["id"] for p in (await response.json())["items"]] == [kept["id"]]
    async with http.patch(url, json={"name": "revived"}, headers=org.auth) as response:
        await expect_error(response, 409, "program_archived")
    async with http.patch(url, json={}, headers=org.auth) as response:
        await expect_error(response, 409, "program_archived")
    async with http.delete(url, headers=org.auth) as response:
        assert response.status == 204
    assert await get_program(http, org, created["id"]) == archived
