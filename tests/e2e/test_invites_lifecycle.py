"""Invites after creation over HTTP: preview and accept by token (anonymous, idempotent),
resend (token rotation), revoke, expiry, unknown tokens, tenant isolation and scopes. List,
resend and revoke are the dashboard's (JWT-only, as the reference has them): a brand
operator's token of the test issuer calls them, and API keys get 403 with an empty body."""

from __future__ import annotations

import uuid

import aiohttp

from tests.common.api import create_program, expect_error
from tests.common.invites_api import (
    BULK,
    INVITES,
    accept,
    audit_actions,
    email,
    expire,
    invite,
    public_client,
    token_of,
)
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org
from tests.common.stack import Stack, rekomi_json


async def test_accept_creates_the_affiliate_once(http: aiohttp.ClientSession, org: Org,
                                                 stack: Stack, issuer: TestIssuer) -> None:
    program = await create_program(http, org)
    slug = f"keep-{uuid.uuid4().hex[:8]}"
    created = await invite(http, org, program["id"], slug=slug, autoApprove=True,
                           fullName="Kim Lee", customCommissionType="Fixed",
                           customCommissionValue=12.5)
    token = token_of(created["acceptUrl"])
    async with public_client(stack.base_url) as anon:
        async with anon.get(f"{INVITES}/by-token/{token}") as r:
            preview = await r.json()
            assert r.status == 200, preview
        assert preview["brandName"] == f"Brand {org.handle}"
        assert preview["programName"] == program["name"] and preview["state"] == "Pending"
        first = await accept(anon, token)
        done = await first.json()
        assert first.status == 200, done
        assert (done["status"], done["slug"], done["warnings"]) == ("Approved", slug, [])
        second = await accept(anon, token)
        assert second.status == 200 and (await second.json())["affiliateId"] == \
            done["affiliateId"]
    async with http.get(f"/api/v1/affiliates/{done['affiliateId']}", headers=org.auth) as r:
        affiliate = await r.json()
    assert (affiliate["source"], affiliate["fullName"]) == ("Invite", "Kim Lee")
    assert affiliate["customCommissionValue"] == 12.5
    async with http.get(INVITES, params={"state": "Accepted", "programId": program["id"]},
                        headers=issuer.operator_auth(org.org_id, "Viewer")) as r:
        items = (await r.json())["items"]
    assert [i["affiliateId"] for i in items] == [done["affiliateId"]]


async def test_accept_pending_and_slug_fallback_warns(http: aiohttp.ClientSession, org: Org,
                                                     stack: Stack) -> None:
    program = await create_program(http, org)
    slug = f"late-{uuid.uuid4().hex[:8]}"
    created = await invite(http, org, program["id"], slug=slug, autoApprove=False)
    async with http.post("/api/v1/affiliates", headers=org.auth, json={
            "programId": program["id"], "email": email(), "customAlias": slug}) as r:
        assert r.status == 201  # someone took the slug after the invite
    async with public_client(stack.base_url) as anon:
        response = await accept(anon, token_of(created["acceptUrl"]))
        done = await response.json()
    assert response.status == 200, done
    assert done["status"] == "Pending" and done["slug"] != slug
    assert len(done["warnings"]) == 1 and slug in done["warnings"][0]


async def test_resend_rotates_and_revoke_ends(http: aiohttp.ClientSession, org: Org,
                                              stack: Stack, issuer: TestIssuer) -> None:
    manager = issuer.operator_auth(org.org_id, "Manager")
    program = await create_program(http, org)
    created = await invite(http, org, program["id"])
    invite_id, old = created["invite"]["id"], token_of(created["acceptUrl"])
    async with http.post(f"{INVITES}/{invite_id}/resend", headers=manager) as r:
        resent = await r.json()
        assert r.status == 200, resent
    new = token_of(resent["acceptUrl"])
    assert new != old
    async with public_client(stack.base_url) as anon:
        await expect_error(await accept(anon, old), 404, "invite_not_found")
        async with http.delete(f"{INVITES}/{invite_id}", headers=manager) as r:
            assert r.status == 200 and (await r.json())["state"] == "Revoked"
        async with http.delete(f"{INVITES}/{invite_id}", headers=manager) as r:
            assert r.status == 200  # repeat: no-op
        await expect_error(await accept(anon, new), 410, "invite_revoked")
        async with anon.get(f"{INVITES}/by-token/{new}") as r:
            await expect_error(r, 410, "invite_revoked")
    async with http.post(f"{INVITES}/{invite_id}/resend", headers=manager) as r:
        await expect_error(r, 409, "invite_not_pending")
    await audit_actions(http, org, invite_id, {"invite.created", "invite.resent",
                                               "invite.revoked"})


async def test_expired_invite_answers_410_until_resent(http: aiohttp.ClientSession, org: Org,
                                                       stack: Stack, issuer: TestIssuer) -> None:
    manager = issuer.operator_auth(org.org_id, "Manager")
    program = await create_program(http, org)
    created = await invite(http, org, program["id"])
    await expire(created["invite"]["id"])
    async with http.get(INVITES, params={"programId": program["id"], "state": "Expired"},
                        headers=manager) as r:
        assert [i["id"] for i in (await r.json())["items"]] == [created["invite"]["id"]]
    async with public_client(stack.base_url) as anon:
        await expect_error(await accept(anon, token_of(created["acceptUrl"])), 410,
                           "invite_expired")
        async with http.post(f"{INVITES}/{created['invite']['id']}/resend",
                             headers=manager) as r:
            resent = await r.json()
        assert resent["invite"]["state"] == "Pending"
        response = await accept(anon, token_of(resent["acceptUrl"]))
        assert response.status == 200


async def test_unknown_tokens_and_ids(http: aiohttp.ClientSession, org: Org,
                                      stack: Stack, issuer: TestIssuer) -> None:
    async with public_client(stack.base_url) as anon:
        async with anon.get(f"{INVITES}/by-token/not-a-token") as r:
            await expect_error(r, 404, "invite_not_found")
        await expect_error(await accept(anon, "x" * 300), 400, "validation_failed", "token")
    for method, path in (("DELETE", f"{INVITES}/{uuid.uuid4()}"),
                         ("POST", f"{INVITES}/{uuid.uuid4()}/resend")):
        async with http.request(method, path,
                                headers=issuer.operator_auth(org.org_id, "Manager")) as r:
            await expect_error(r, 404, "invite_not_found")


async def test_tenant_isolation(http: aiohttp.ClientSession, org: Org, other_org: Org,
                                issuer: TestIssuer) -> None:
    theirs = issuer.operator_auth(other_org.org_id, "Owner")
    program = await create_program(http, org)
    created = await invite(http, org, program["id"])
    invite_id = created["invite"]["id"]
    async with http.post(INVITES, json={"programId": program["id"], "email": email()},
                         headers=other_org.auth) as r:
        await expect_error(r, 404, "program_not_found", "programId")
    async with http.post(BULK, json={"programId": program["id"], "emails": [email()]},
                         headers=other_org.auth) as r:
        await expect_error(r, 404, "program_not_found", "programId")
    async with http.get(INVITES, headers=theirs, params={"programId": program["id"]}) as r:
        assert (await r.json())["items"] == []
    for method, path in (("DELETE", f"{INVITES}/{invite_id}"),
                         ("POST", f"{INVITES}/{invite_id}/resend")):
        async with http.request(method, path, headers=theirs) as r:
            await expect_error(r, 404, "invite_not_found")
    async with http.get(INVITES, params={"programId": program["id"]},
                        headers=issuer.operator_auth(org.org_id, "Viewer")) as r:
        assert [i["state"] for i in (await r.json())["items"]] == ["Pending"]


async def test_scopes_and_the_dashboard_only_routes(http: aiohttp.ClientSession, org: Org,
                                                    issuer: TestIssuer) -> None:
    """Creating takes a read_write key; list, resend and revoke take no key at all (403 with
    an empty body, whatever its scope), and an operator needs the route's role: Viewer to
    list, Manager to resend or revoke."""
    key = rekomi_json("admin", "create-key", "--org", org.org_id, "--scope", "read")["apiKey"]
    read = {"Authorization": f"Bearer {key}"}
    for method, path in (("POST", INVITES), ("POST", BULK)):
        async with http.request(method, path, headers=read, json={}) as r:
            await expect_error(r, 403, "insufficient_scope")
    program = await create_program(http, org)
    invite_id = (await invite(http, org, program["id"]))["invite"]["id"]
    dashboard_only = (("GET", INVITES), ("DELETE", f"{INVITES}/{invite_id}"),
                      ("POST", f"{INVITES}/{invite_id}/resend"))
    for method, path in dashboard_only:
        for headers in (read, org.auth):
            async with http.request(method, path, headers=headers) as r:
                assert (r.status, await r.read()) == (403, b""), (method, path)
    viewer = issuer.operator_auth(org.org_id, "Viewer")
    async with http.get(INVITES, headers=viewer, params={"programId": program["id"]}) as r:
        assert [i["id"] for i in (await r.json())["items"]] == [invite_id]
    for method, path in dashboard_only[1:]:
        async with http.request(method, path, headers=viewer) as r:
            assert (r.status, await r.read()) == (403, b""), (method, path)
    # Nothing was resent or revoked by the refusals: the invite is still the Pending one.
    async with http.get(INVITES, headers=viewer, params={"programId": program["id"]}) as r:
        assert [i["state"] for i in (await r.json())["items"]] == ["Pending"]
