"""Dashboard and portal sign-in through the running gateway, with tokens of the test issuer
(tests/common/oidc_issuer.py, real HTTP): forged and stale tokens are 401s at the edge, key
rotation is picked up, operators without an org or role are 403 (empty), the plan gates the
dashboard bypasses and the two it does not, what the audit log records for an operator and
how it shows them (full for a dashboard Owner, redacted for API keys, JSON and CSV), and an
affiliate signing in to their own portal."""

from __future__ import annotations

import base64
import csv
import io
import json
import uuid
from typing import Any

import aiohttp
import jwt

from libs.contracts.audit_log import EXPORT_FULL_COLUMNS
from tests.common.affiliates_api import create_affiliate
from tests.common.api import create_program, expect_error, program_body
from tests.common.audit_log import REDACTED_HEADER
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org, new_org
from tests.common.waiting import eventually

PROGRAMS = "/api/v1/programs"
MEMBERSHIPS = "/api/v1/me/memberships"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def status_of(http: aiohttp.ClientSession, token: str, path: str = PROGRAMS) -> int:
    async with http.get(path, headers=bearer(token)) as response:
        return response.status


async def test_forged_and_stale_tokens_are_401(http: aiohttp.ClientSession, org: Org,
                                               issuer: TestIssuer) -> None:
    rsa_kid, ec_kid = issuer.published[:2]
    claims = issuer.claims(org_id=org.org_id, role="Owner", email_verified=True)
    forged = {
        "expired": issuer.sign(issuer.claims(exp_in=-120, org_id=org.org_id, role="Owner")),
        "wrong audience": issuer.sign({**claims, "aud": "another-app"}),
        "wrong issuer": issuer.sign({**claims, "iss": "https://evil.example"}),
        "alg none": f"{b64({'alg': 'none', 'kid': rsa_kid})}.{b64(claims)}.",
        "ES256 on the RSA key": jwt.encode(claims, issuer.keys[ec_kid][0], algorithm="ES256",
                                           headers={"kid": rsa_kid}),
        "garbage": "a.b.c",
    }
    for why, token in forged.items():
        async with http.get(PROGRAMS, headers=bearer(token)) as response:
            await expect_error(response, 401, "unauthorized")
            assert why  # the case name shows in a failure's traceback
    assert await status_of(http, issuer.sign(claims)) == 200  # the genuine one


async def test_a_rotated_key_is_fetched_and_a_retired_one_refused(
        http: aiohttp.ClientSession, org: Org, issuer: TestIssuer) -> None:
    old = issuer.published[0]
    assert await status_of(http, issuer.operator_token(org.org_id, kid=old)) == 200
    new = issuer.add_key("RS256", publish=False)
    token = issuer.operator_token(org.org_id, kid=new)
    assert await status_of(http, token) == 401  # not in the issuer's JWKS yet
    fetches = issuer.jwks_fetches
    issuer.published.append(new)  # the issuer rotates: the gateway fetches on the new kid
    assert await status_of(http, token) == 200
    assert issuer.jwks_fetches > fetches
    issuer.published.remove(old)  # and retires the old key
    unknown = issuer.add_key("RS256", publish=False)  # any unknown kid refreshes the set
    assert await status_of(http, issuer.operator_token(org.org_id, kid=unknown)) == 401
    assert await status_of(http, issuer.operator_token(org.org_id, kid=old)) == 401


async def test_tokens_without_org_or_role_are_403_and_unknown_orgs_401(
        http: aiohttp.ClientSession, org: Org, issuer: TestIssuer) -> None:
    no_role = issuer.sign(issuer.claims(org_id=org.org_id, email_verified=True))
    strange_role = issuer.operator_token(org.org_id, "Superuser")
    no_org = issuer.sign(issuer.claims(role="Owner"))
    for token in (no_role, strange_role, no_org):
        async with http.get(PROGRAMS, headers=bearer(token)) as response:
            assert (response.status, await response.read()) == (403, b"")
    async with http.get(PROGRAMS, headers=bearer(
            issuer.operator_token(uuid.uuid4(), "Owner"))) as response:
        await expect_error(response, 401, "unauthorized")
    # An S2S route takes API keys only: a valid operator token is not a key there.
    async with http.post("/api/tracking/s2s", json={}, headers=bearer(
            issuer.operator_token(org.org_id))) as response:
        await expect_error(response, 401, "unauthorized")


async def test_an_operator_sees_only_their_org(http: aiohttp.ClientSession, org: Org,
                                               other_org: Org, issuer: TestIssuer) -> None:
    theirs = await create_program(http, other_org)
    token = issuer.operator_token(org.org_id, "Owner")
    async with http.get(f"{PROGRAMS}/{theirs['id']}", headers=bearer(token)) as response:
        assert response.status == 404
    mine = await create_program(http, org)
    async with http.get(PROGRAMS, headers=bearer(token)) as response:
        assert [p["id"] for p in (await response.json())["items"]] == [mine["id"]]


async def test_the_dashboard_bypasses_plan_gates_but_two(http: aiohttp.ClientSession,
                                                         issuer: TestIssuer) -> None:
    lapsed = await new_org(plan="Starter", status="None")  # effective tier Trial
    async with http.get(PROGRAMS, headers=lapsed.auth) as response:
        await expect_error(response, 402, "plan_tier_required",
                           extra=frozenset({"required", "current", "trialing"}))
    viewer = issuer.operator_token(lapsed.org_id, "Viewer")
    assert await status_of(http, viewer) == 200
    # The audit log is Pro+ for API keys; a dashboard Owner of a Starter org reads it.
    starter = await new_org(plan="Starter", status="Active")
    async with http.get("/api/v1/audit-log", headers=starter.auth) as response:
        assert response.status == 402
    owner = issuer.operator_token(starter.org_id, "Owner")
    assert await status_of(http, owner, "/api/v1/audit-log") == 200
    async with http.get("/api/v1/settings/home-currency", headers=bearer(owner)) as response:
        assert (await response.json())["canChange"] is True  # the PUT's gate is bypassed too
    async with http.put("/api/v1/settings/home-currency", json={"homeCurrency": "EUR"},
                        headers=bearer(owner)) as response:
        assert response.status == 200, await response.text()
    # Exception: bulk invites want an Active subscription from dashboard users too.
    trialing = await new_org(plan="Pro", status="Trialing")
    program = await create_program(http, trialing)
    manager = issuer.operator_token(trialing.org_id, "Manager")
    async with http.post("/api/affiliate-invites/bulk", headers=bearer(manager), json={
            "programId": program["id"], "emails": ["a@example.com"]}) as response:
        await expect_error(response, 402, "paid_plan_required",
                           extra=frozenset({"required", "current", "trialing",
                                            "subscriptionStatus"}))
    # (The other exception, embed, binds by its gate: tests/unit/test_jwt_access.py.)


async def _audit_items(http: aiohttp.ClientSession, headers: dict[str, str], **params: str
                       ) -> list[dict[str, Any]]:
    async with http.get("/api/v1/audit-log", headers=headers, params=params) as response:
        body = await response.json()
        assert response.status == 200, body
    items: list[dict[str, Any]] = body["items"]
    return items


async def _csv(http: aiohttp.ClientSession, headers: dict[str, str]) -> list[dict[str, str]]:
    async with http.get("/api/v1/audit-log/export.csv", headers=headers) as response:
        text = await response.text()
        assert response.status == 200, text
    return list(csv.DictReader(io.StringIO(text, newline="")))


async def test_audit_rows_of_operators_full_for_owners_redacted_for_keys(
        http: aiohttp.ClientSession, org: Org, issuer: TestIssuer) -> None:
    sub = f"user_{uuid.uuid4().hex[:10]}"
    manager = bearer(issuer.operator_token(org.org_id, "Manager", sub=sub))
    agent = {"User-Agent": "RekomiDashboard/1.0"}
    async with http.post(PROGRAMS, json=program_body(), headers={**manager, **agent}) as made:
        program = await made.json()
        assert made.status == 201, program
    owner = bearer(issuer.operator_token(org.org_id, "Owner"))

    async def recorded() -> list[dict[str, Any]] | None:
        items = await _audit_items(http, owner, action="program.created")
        return items or None

    [row] = await eventually(recorded, what="the program.created audit row")
    assert (row["entityId"], row["actorType"], row["actorUserId"]) == (program["id"], "user", sub)
    assert (row["ip"], row["userAgent"]) == ("127.0.0.1", "RekomiDashboard/1.0")
    # An API key sees the category, not the operator.
    [redacted] = await _audit_items(http, org.auth, action="program.created")
    assert redacted["actorType"] == "user"
    assert (redacted["actorUserId"], redacted["ip"], redacted["userAgent"]) == (None,) * 3
    # The Owner filters on the operator; an API key's actorUserId / ip filters are ignored.
    assert [r["id"] for r in await _audit_items(http, owner, actorUserId=sub)] == [row["id"]]
    assert await _audit_items(http, owner, actorUserId="someone-else") == []
    assert len(await _audit_items(http, org.auth, actorUserId="someone-else")) >= 1
    assert [r["id"] for r in await _audit_items(http, owner, ip="127.0.0.1",
                                                action="program.created")] == [row["id"]]
    # CSV: 11 columns with the operator for the Owner, the redacted 8 for API keys.
    full = await _csv(http, owner)
    assert tuple(full[0]) == EXPORT_FULL_COLUMNS
    [line] = [r for r in full if r["id"] == row["id"]]
    assert (line["actor_user_id"], line["ip"], line["user_agent"]) == (
        sub, "127.0.0.1", "RekomiDashboard/1.0")
    keyed = await _csv(http, org.auth)
    assert ",".join(keyed[0]) == REDACTED_HEADER
    assert row["id"] in {r["id"] for r in keyed}
    # A Manager is below the audit log's Owner: the reference's empty 403.
    async with http.get("/api/v1/audit-log", headers=manager) as response:
        assert (response.status, await response.read()) == (403, b"")


async def test_api_keys_still_act_as_api_keys(http: aiohttp.ClientSession, org: Org) -> None:
    program = await create_program(http, org)

    async def recorded() -> list[dict[str, Any]] | None:
        items = await _audit_items(http, org.auth, action="program.created")
        return items or None

    [row] = await eventually(recorded, what="the program.created audit row")
    assert (row["entityId"], row["actorType"]) == (program["id"], "api_key")


async def test_an_affiliate_signs_in_to_their_memberships(
        http: aiohttp.ClientSession, org: Org, other_org: Org, issuer: TestIssuer) -> None:
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    made = []
    for brand in (org, other_org):
        program = await create_program(http, brand)
        affiliate = await create_affiliate(http, brand, program["id"], email=email.upper())
        made.append((affiliate["id"], brand.org_id, f"Brand {brand.handle}", brand.handle,
                     program["id"], "Approved"))
    async with http.get(MEMBERSHIPS, headers=bearer(issuer.affiliate_token(email))) as response:
        body = await response.json()
        assert response.status == 200, body
    assert [(m["affiliateId"], m["organization"]["id"], m["organization"]["name"],
             m["organization"]["handle"], m["program"]["id"], m["status"])
            for m in body["items"]] == made
    # Someone else's verified e-mail: signed in, with nothing to see.
    stranger = issuer.affiliate_token(f"nobody-{uuid.uuid4().hex[:8]}@example.com")
    async with http.get(MEMBERSHIPS, headers=bearer(stranger)) as response:
        assert (response.status, await response.json()) == (200, {"items": []})
    # An e-mail the issuer has not verified proves nothing.
    async with http.get(MEMBERSHIPS, headers=bearer(
            issuer.affiliate_token(email, verified=False))) as response:
        await expect_error(response, 403, "email_not_verified")
    # Keys and forged tokens do not open the portal.
    async with http.get(MEMBERSHIPS, headers=org.auth) as response:
        assert (response.status, await response.read()) == (403, b"")
    async with http.get(MEMBERSHIPS, headers=bearer(
            issuer.sign(issuer.claims(exp_in=-300, email=email, email_verified=True)))
            ) as response:
        await expect_error(response, 401, "unauthorized")
    # An affiliate's token names no org or role: the brand routes refuse it.
    async with http.get(PROGRAMS, headers=bearer(issuer.affiliate_token(email))) as response:
        assert (response.status, await response.read()) == (403, b"")


async def test_application_data_for_the_dashboard_only(
        http: aiohttp.ClientSession, org: Org, issuer: TestIssuer) -> None:
    """The reference: API-key responses omit ``applicationData``; the dashboard keeps it for
    the review screen (one affiliate, the list and the applications)."""
    program = await create_program(http, org)
    async with http.post(f"/api/p/id/{program['id']}/apply", json={
            "email": f"applicant-{uuid.uuid4().hex[:8]}@example.com",
            "website": "https://blog.example", "whyInterested": "I review widgets"}) as response:
        applied = (await response.json())["affiliateId"]
    direct = (await create_affiliate(http, org, program["id"]))["id"]
    answers = {"website": "https://blog.example", "whyInterested": "I review widgets"}
    viewer = bearer(issuer.operator_token(org.org_id, "Viewer"))
    for path in (f"/api/v1/affiliates/{applied}", "/api/v1/affiliates",
                 "/api/v1/affiliates/applications"):
        async with http.get(path, headers=viewer, params={"programId": program["id"]}) as r:
            body = await r.json()
        shown = {a["id"]: a["applicationData"] for a in body.get("items", [body])}
        assert shown[applied] == answers, path
        if path == "/api/v1/affiliates":
            assert shown[direct] is None  # created directly: no form, null
        async with http.get(path, headers=org.auth, params={"programId": program["id"]}) as r:
            keyed = await r.json()
        assert all("applicationData" not in a for a in keyed.get("items", [keyed])), path
