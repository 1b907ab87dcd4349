"""Self-service API keys (issue 26) on the session stack: an Owner signed in to the dashboard
creates, lists and revokes the org's keys; the plaintext is answered once and stored nowhere;
lower roles and API keys are refused with an empty 403; another org's key is 404; every change
is in the audit log as the Owner's. Across replicas and last-use times:
tests/e2e/test_api_keys_replicas.py."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import aiohttp
import pytest

from libs.shared import jsonutil
from tests.common.api import AUDIT_LOG, PROGRAMS, expect_error
from tests.common.api_keys_api import (
    API_KEYS,
    bearer,
    create,
    key_row,
    listed,
    listed_key,
    revoke,
)
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org

LISTED = {"id", "prefix", "scope", "kind", "name", "createdAt", "lastUsedAt", "revokedAt"}


async def _status(http: aiohttp.ClientSession, method: str, path: str,
                  auth: dict[str, str], body: Any = None) -> tuple[int, bytes]:
    async with http.request(method, path, json=body, headers=auth) as response:
        return response.status, await response.read()


async def test_an_owner_creates_lists_and_revokes_a_key(
        http: aiohttp.ClientSession, issuer: TestIssuer, org: Org) -> None:
    owner = issuer.operator_auth(org.org_id, "Owner")
    made = await create(http, owner, scope="read_write", name="  Zapier  ")
    assert set(made) == LISTED | {"key"}, made
    plaintext = made["key"]
    assert plaintext.startswith("rk_live_") and len(plaintext) == 40
    assert made["prefix"] == plaintext[:12]
    assert (made["scope"], made["kind"], made["name"]) == ("read_write", "live", "Zapier")
    assert made["lastUsedAt"] is None and made["revokedAt"] is None
    async with http.post(PROGRAMS, json={}, headers=bearer(plaintext)) as response:
        assert response.status == 400  # a read_write key of the org: past the gates

    key = await listed_key(http, owner, made["id"])
    assert key == {k: v for k, v in made.items() if k != "key"}
    assert await revoke(http, owner, made["id"]) == (204, b"")
    async with http.get(PROGRAMS, headers=bearer(plaintext)) as response:
        assert response.status == 401  # the very next request
    revoked = await listed_key(http, owner, made["id"])
    assert revoked["revokedAt"] is not None
    assert await revoke(http, owner, made["id"]) == (204, b"")  # again: nothing changes
    assert (await listed_key(http, owner, made["id"]))["revokedAt"] == revoked["revokedAt"]


async def test_the_plaintext_is_answered_once_and_stored_nowhere(
        http: aiohttp.ClientSession, issuer: TestIssuer, org: Org) -> None:
    owner = issuer.operator_auth(org.org_id, "Owner")
    made = await create(http, owner, kind="mcp", name="Claude")
    plaintext = made["key"]
    digest = hashlib.sha256(plaintext.encode()).digest()
    page = jsonutil.dumps(await listed(http, owner)).decode()
    assert plaintext not in page and plaintext[12:] not in page
    assert digest.hex() not in page
    row = await key_row(made["id"])
    assert row["key_hash"] == digest  # only the hash is kept, in its own column
    text = repr({k: v for k, v in row.items() if k != "key_hash"})
    assert plaintext not in text and plaintext[12:] not in text
    assert (row["kind"], row["name"], row["display_prefix"]) == ("mcp", "Claude",
                                                                 plaintext[:11])


async def test_mcp_keys_carry_their_prefix_and_authenticate(
        http: aiohttp.ClientSession, issuer: TestIssuer, org: Org) -> None:
    owner = issuer.operator_auth(org.org_id, "Owner")
    made = await create(http, owner, scope="read", kind="mcp")
    assert made["key"].startswith("rk_mcp_") and len(made["key"]) == 39
    assert made["prefix"] == made["key"][:11] and made["kind"] == "mcp"
    async with http.get(PROGRAMS, headers=bearer(made["key"])) as response:
        assert response.status == 200
    async with http.post(PROGRAMS, json={}, headers=bearer(made["key"])) as response:
        assert response.status == 403  # a read key: the scope holds for MCP keys too


@pytest.mark.parametrize("role", ["Manager", "Viewer"])
async def test_lower_roles_are_refused_with_an_empty_403(
        http: aiohttp.ClientSession, issuer: TestIssuer, org: Org, role: str) -> None:
    owner = issuer.operator_auth(org.org_id, "Owner")
    made = await create(http, owner)
    auth = issuer.operator_auth(org.org_id, role)
    for method, path, body in _calls(made["id"]):
        status, raw = await _status(http, method, path, auth, body)
        assert (status, raw) == (403, b""), (method, path, raw)
    assert (await listed_key(http, owner, made["id"]))["revokedAt"] is None


async def test_api_keys_cannot_manage_keys(
        http: aiohttp.ClientSession, issuer: TestIssuer, org: Org) -> None:
    owner = issuer.operator_auth(org.org_id, "Owner")
    made = await create(http, owner)
    before = len((await listed(http, owner))["items"])
    for method, path, body in _calls(made["id"]):
        status, raw = await _status(http, method, path, org.auth, body)
        assert (status, raw) == (403, b""), (method, path, raw)
    assert len((await listed(http, owner))["items"]) == before
    assert (await listed_key(http, owner, made["id"]))["revokedAt"] is None


async def test_another_orgs_key_is_not_found(
        http: aiohttp.ClientSession, issuer: TestIssuer, org: Org, other_org: Org) -> None:
    mine = await create(http, issuer.operator_auth(org.org_id, "Owner"))
    theirs = issuer.operator_auth(other_org.org_id, "Owner")
    async with http.delete(f"{API_KEYS}/{mine['id']}", headers=theirs) as response:
        await expect_error(response, 404, "api_key_not_found")
    async with http.delete(f"{API_KEYS}/{uuid.uuid4()}", headers=theirs) as response:
        await expect_error(response, 404, "api_key_not_found")
    async with http.delete(f"{API_KEYS}/not-an-id", headers=theirs) as response:
        assert response.status == 404
    assert mine["id"] not in {k["id"] for k in (await listed(http, theirs))["items"]}
    async with http.get(PROGRAMS, headers=bearer(mine["key"])) as response:
        assert response.status == 200  # still live


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "live", "name": "x"}, "scope"),
    ({"scope": "admin", "name": "x"}, "scope"),
    ({"scope": "read", "kind": "test", "name": "x"}, "kind"),
    ({"scope": "read"}, "name"),
    ({"scope": "read", "name": "   "}, "name"),
    ({"scope": "read", "name": "x" * 101}, "name"),
    ({"scope": "read", "name": "x", "orgId": str(uuid.uuid4())}, "orgId"),
])
async def test_bad_bodies_are_400_and_create_nothing(
        http: aiohttp.ClientSession, issuer: TestIssuer, org: Org, body: dict[str, Any],
        field: str) -> None:
    owner = issuer.operator_auth(org.org_id, "Owner")
    before = (await listed(http, owner))["items"]
    async with http.post(API_KEYS, json=body, headers=owner) as response:
        await expect_error(response, 400, "validation_failed", field)
    assert (await listed(http, owner))["items"] == before


async def test_the_list_pages_newest_first(
        http: aiohttp.ClientSession, issuer: TestIssuer, org: Org) -> None:
    owner = issuer.operator_auth(org.org_id, "Owner")
    made = [(await create(http, owner, name=f"key {i}"))["id"] for i in range(3)]
    first = await listed(http, owner, take="2")
    assert first["hasMore"] is True and first["nextCursor"]
    second = await listed(http, owner, take="2", cursor=first["nextCursor"])
    assert second["hasMore"] is False and second["nextCursor"] is None
    ids = [k["id"] for k in first["items"] + second["items"]]
    # The org's first key (create-org's) is the oldest.
    assert ids[:3] == made[::-1] and len(ids) == 4
    for item in first["items"] + second["items"]:
        assert set(item) == LISTED
    async with http.get(API_KEYS, params={"take": "0"}, headers=owner) as response:
        await expect_error(response, 400, "validation_failed", "take")
    async with http.get(API_KEYS, params={"cursor": "!"}, headers=owner) as response:
        await expect_error(response, 400, "validation_failed", "cursor")


async def test_every_change_is_audited_as_the_owners(
        http: aiohttp.ClientSession, issuer: TestIssuer, org: Org) -> None:
    sub = f"user_{uuid.uuid4().hex[:12]}"
    owner = issuer.operator_auth(org.org_id, "Owner", sub=sub)
    made = await create(http, owner, scope="read", name="Audited")
    await revoke(http, owner, made["id"])
    await revoke(http, owner, made["id"])  # a no-op: no row
    query = {"entityType": "api_key", "actorUserId": sub}
    async with http.get(AUDIT_LOG, params=query, headers=owner) as response:
        page = await response.json()
        assert response.status == 200, page
    rows = {item["action"]: item for item in page["items"]}
    assert len(page["items"]) == 2 and set(rows) == {"api_key.created", "api_key.revoked"}
    for item in rows.values():
        assert (item["actorType"], item["actorUserId"]) == ("user", sub), item
        assert made["key"] not in jsonutil.dumps(item).decode()
    created, revoked = rows["api_key.created"], rows["api_key.revoked"]
    assert created["before"] is None
    assert jsonutil.loads(created["after"])["name"] == "Audited"
    assert jsonutil.loads(revoked["before"])["revokedAt"] is None
    assert jsonutil.loads(revoked["after"])["revokedAt"] is not None


def _calls(key_id: str) -> list[tuple[str, str, Any]]:
    return [("GET", API_KEYS, None),
            ("POST", API_KEYS, {"scope": "read_write", "kind": "live", "name": "escalate"}),
            ("DELETE", f"{API_KEYS}/{key_id}", None)]
