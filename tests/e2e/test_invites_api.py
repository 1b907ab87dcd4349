"""Affiliate invites over HTTP: create (single and bulk), slug rules, the note, the pending cap,
the plan gate. (After creation: test_invites_lifecycle.py; e-mail: test_mail_invites.py.)"""

from __future__ import annotations

import uuid

import aiohttp

from tests.common.api import create_program, expect_error
from tests.common.invites_api import (
    BULK,
    INVITES,
    audit_actions,
    bulk,
    email,
    invite,
    seed_pending,
    token_of,
)
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org, new_org
from tests.common.stack import rekomi

PLAN_EXTRA = frozenset({"required", "current", "trialing", "subscriptionStatus"})


async def test_single_invite_returns_the_invite_and_a_one_time_url(
        http: aiohttp.ClientSession, org: Org) -> None:
    program = await create_program(http, org, autoApprove=False)
    created = await invite(http, org, program["id"], fullName="Alex Example", slug=None,
                           customCommissionType="Percentage", customCommissionValue=30)
    body = created["invite"]
    assert body["state"] == "Pending" and body["programName"] == program["name"]
    assert body["autoApprove"] is False  # the program's default
    assert body["customCommissionValue"] == 30
    assert len(token_of(created["acceptUrl"])) >= 40
    await audit_actions(http, org, body["id"], {"invite.created"})


async def test_note_is_sanitized_and_merge_tags_rendered_escaped(
        http: aiohttp.ClientSession, org: Org) -> None:
    program = await create_program(http, org, defaultCommissionValue=25)
    note = ('<p onclick="x()">Hi {{affiliate.firstName}}, {{ brand.name }} pays '
            '{{program.commission}}</p><script>alert(1)</script><img src=x>'
            '<a href="javascript:alert(1)">bad</a><a href="https://ok.example/">ok</a>'
            '<h1>big</h1>')
    created = await invite(http, org, program["id"], fullName="<b>Al</b> Smith",
                           personalNoteHtml=note)
    html = created["invite"]["personalNoteHtml"]
    assert html == (f"<p>Hi &lt;b&gt;Al&lt;/b&gt;, Brand {org.handle} pays 25%</p>"
                    '<a>bad</a><a href="https://ok.example/">ok</a>big')


async def test_slug_rules_at_create(http: aiohttp.ClientSession, org: Org,
                                    issuer: TestIssuer) -> None:
    program = await create_program(http, org)
    body = {"programId": program["id"], "email": email()}
    async with http.post(INVITES, json={**body, "slug": "-Bad_"}, headers=org.auth) as r:
        await expect_error(r, 400, "validation_failed", "slug")
    async with http.post(INVITES, json={**body, "slug": "admin"}, headers=org.auth) as r:
        await expect_error(r, 400, "slug_reserved", "slug")
    taken = f"taken-{uuid.uuid4().hex[:8]}"
    async with http.post("/api/v1/affiliates", headers=org.auth, json={
            "programId": program["id"], "email": email(), "customAlias": taken}) as r:
        assert r.status == 201, await r.json()
    async with http.post(INVITES, json={**body, "slug": taken}, headers=org.auth) as r:
        await expect_error(r, 409, "slug_already_taken", "slug")
    async with http.get(INVITES, params={"programId": program["id"]},
                        headers=issuer.operator_auth(org.org_id, "Viewer")) as r:
        assert (await r.json())["items"] == []  # nothing was created by the refusals


async def test_create_refusals(http: aiohttp.ClientSession, org: Org) -> None:
    program = await create_program(http, org)
    for body, field in (({"email": email()}, "programId"),
                        ({"programId": program["id"], "email": "nope"}, "email"),
                        ({"programId": program["id"]}, "email"),
                        ({"programId": program["id"], "email": email(), "x": 1}, "x")):
        async with http.post(INVITES, json=body, headers=org.auth) as r:
            await expect_error(r, 400, "validation_failed", field)
    existing = email()
    async with http.post("/api/v1/affiliates", headers=org.auth,
                         json={"programId": program["id"], "email": existing}) as r:
        assert r.status == 201
    async with http.post(INVITES, json={"programId": program["id"], "email": existing.upper()},
                         headers=org.auth) as r:
        await expect_error(r, 409, "affiliate_already_exists", "email")
    again = email()
    await invite(http, org, program["id"], email=again)
    async with http.post(INVITES, json={"programId": program["id"], "email": again},
                         headers=org.auth) as r:
        await expect_error(r, 409, "invite_already_pending", "email")
    async with http.post(INVITES, json={"programId": str(uuid.uuid4()), "email": email()},
                         headers=org.auth) as r:
        await expect_error(r, 404, "program_not_found", "programId")


async def test_single_invite_works_on_trial(http: aiohttp.ClientSession) -> None:
    trial = await new_org()
    program = await create_program(http, trial)  # programs need Starter; invites do not
    rekomi("admin", "set-plan", "--org", trial.org_id, "--plan", "Trial",
           "--status", "Trialing")
    created = await invite(http, trial, program["id"])
    assert created["invite"]["state"] == "Pending"


async def test_pending_cap_of_500(http: aiohttp.ClientSession) -> None:
    capped = await new_org()
    program = await create_program(http, capped)
    await seed_pending(capped, program["id"], 499)
    await invite(http, capped, program["id"])  # the 500th
    async with http.post(INVITES, json={"programId": program["id"], "email": email()},
                         headers=capped.auth) as r:
        await expect_error(r, 409, "pending_invites_limit_reached")
    async with http.post(BULK, json={"programId": program["id"], "emails": [email()]},
                         headers=capped.auth) as r:
        await expect_error(r, 409, "pending_invites_limit_reached")


async def test_bulk_recipients_win_and_report_slug_conflicts(
        http: aiohttp.ClientSession, org: Org) -> None:
    program = await create_program(http, org)
    mine, existing = (f"s-{uuid.uuid4().hex[:8]}" for _ in range(2))
    member = email()
    async with http.post("/api/v1/affiliates", headers=org.auth, json={
            "programId": program["id"], "email": member, "customAlias": existing}) as r:
        assert r.status == 201
    a, b, c, d, e = (email() for _ in range(5))
    result = await bulk(http, org, {
        "programId": program["id"], "emails": [email()],
        "recipients": [
            {"email": a, "slug": mine, "fullName": "Ann"}, {"email": b, "slug": mine},
            {"email": c, "slug": existing}, {"email": d, "slug": "api"},
            {"email": e, "slug": "x"}, {"email": a.upper()}, {"email": member}]})
    assert (result["created"], result["skipped"]) == (5, 2)
    assert {i["email"] for i in result["invites"]} == {a, b, c, d, e}
    assert sorted((x["email"], x["requestedSlug"], x["reason"])
                  for x in result["slugConflicts"]) == sorted([
        (b, mine, "duplicate_within_batch"), (c, existing, "taken"), (d, "api", "reserved"),
        (e, "x", "invalid")])
    slugs = {i["email"]: i["slug"] for i in result["invites"]}
    assert slugs == {a: mine, b: None, c: None, d: None, e: None}


async def test_bulk_legacy_emails_and_limits(http: aiohttp.ClientSession, org: Org) -> None:
    program = await create_program(http, org)
    first = email()
    result = await bulk(http, org, {"programId": program["id"], "emails": [first, first]})
    assert (result["created"], result["skipped"], result["slugConflicts"]) == (1, 1, [])
    again = await bulk(http, org, {"programId": program["id"], "emails": [first]})
    assert (again["created"], again["skipped"]) == (0, 1)  # already invited
    for body, field in (({"programId": program["id"], "emails": []}, None),
                        ({"programId": program["id"]}, None),
                        ({"programId": program["id"], "emails": [email() for _ in range(51)]},
                         "emails"),
                        ({"programId": "nope", "emails": [email()]}, "programId")):
        async with http.post(BULK, json=body, headers=org.auth) as r:
            await expect_error(r, 400, "validation_failed", field)


async def test_bulk_needs_an_active_paid_plan(http: aiohttp.ClientSession) -> None:
    # ``current`` is the effective tier, as on every 402: a lapsed Growth org is on Trial
    for plan, status, current in (("Trial", "Trialing", "Trial"), ("Pro", "Trialing", "Pro"),
                                  ("Starter", "PastDue", "Starter"), ("Trial", "Active", "Trial"),
                                  ("Growth", "Canceled", "Trial")):
        denied = await new_org(plan=plan, status=status)
        async with http.post(BULK, json={"programId": str(uuid.uuid4()), "emails": [email()]},
                             headers=denied.auth) as r:
            body = await expect_error(r, 402, "paid_plan_required", extra=PLAN_EXTRA)
        assert (body["current"], body["trialing"], body["subscriptionStatus"]) == (
            current, status == "Trialing", status)
    starter = await new_org(plan="Starter", status="Active")
    program = await create_program(http, starter)
    assert (await bulk(http, starter, {"programId": program["id"],
                                       "emails": [email()]}))["created"] == 1
