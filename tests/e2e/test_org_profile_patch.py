"""``PATCH /api/organizations/me`` through the running gateway: a dashboard Owner changes the
profile (tokens of the test issuer); lower roles and API keys get 403 with an empty body;
each field is validated, `payoutGraceDays` against the tier's ceiling; a change is audited
and a new grace-day count reaches the services' copies."""

from __future__ import annotations

import json
import uuid
from typing import Any

import aiohttp

from tests.common.api import expect_error
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org, new_org
from tests.common.payouts_api import ledger_sql
from tests.common.waiting import eventually

PROFILE = "/api/organizations/me"
CHANGED = "org.profile_changed"


async def _patch(http: aiohttp.ClientSession, headers: dict[str, str], body: Any
                 ) -> dict[str, Any]:
    async with http.patch(PROFILE, json=body, headers=headers) as response:
        answer: dict[str, Any] = await response.json()
        assert response.status == 200, answer
    return answer


async def _profile(http: aiohttp.ClientSession, org: Org) -> dict[str, Any]:
    async with http.get(PROFILE, headers=org.auth) as response:
        found: dict[str, Any] = await response.json()
    return found


async def _audit(http: aiohttp.ClientSession, owner: dict[str, str]) -> list[dict[str, Any]]:
    async with http.get("/api/v1/audit-log", params={"action": CHANGED},
                        headers=owner) as response:
        items: list[dict[str, Any]] = (await response.json())["items"]
    return items


async def test_an_owner_changes_the_profile_audited(http: aiohttp.ClientSession, org: Org,
                                                    issuer: TestIssuer) -> None:
    sub = f"user_owner_{uuid.uuid4().hex[:8]}"
    owner = issuer.operator_auth(org.org_id, "Owner", sub=sub)
    before = await _profile(http, org)
    changes = {"name": "  Acme Widgets ", "billingEmail": "billing@acme.example",
               "timezone": "America/Los_Angeles", "primaryBrandColor": "#3b0764",
               "description": "Acme makes widgets.", "payoutGraceDays": 60}
    changed = await _patch(http, owner, changes)
    assert changed == {**before, "name": "Acme Widgets", "billingEmail": "billing@acme.example",
                       "timezone": "America/Los_Angeles", "primaryBrandColor": "#3B0764",
                       "description": "Acme makes widgets.", "payoutGraceDays": 60}
    assert await _profile(http, org) == changed  # an API key reads what the Owner wrote
    [row] = await _audit(http, owner)
    assert (row["entityType"], row["entityId"], row["actorType"], row["actorUserId"]) == (
        "org", org.org_id, "user", sub)
    assert json.loads(row["before"]) == {
        "name": before["name"], "billingEmail": None, "timezone": "UTC",
        "primaryBrandColor": None, "description": None, "payoutGraceDays": 30}
    assert json.loads(row["after"]) == {
        "name": "Acme Widgets", "billingEmail": "billing@acme.example",
        "timezone": "America/Los_Angeles", "primaryBrandColor": "#3B0764",
        "description": "Acme makes widgets.", "payoutGraceDays": 60}

    # The services' copies follow the new grace days (org.settings_changed).
    async def copied() -> bool | None:
        rows = await ledger_sql("SELECT payout_grace_days FROM org_settings WHERE org_id = $1",
                                uuid.UUID(org.org_id))
        return True if rows and rows[0]["payout_grace_days"] == 60 else None

    await eventually(copied, what="the ledger's copy of the grace days")
    # The same values again change nothing; null clears the clearable keys.
    assert await _patch(http, owner, {**changes, "payoutGraceDays": 60}) == changed
    assert await _patch(http, owner, {}) == changed
    assert len(await _audit(http, owner)) == 1
    cleared = await _patch(http, owner, {"billingEmail": None, "primaryBrandColor": None,
                                         "description": None})
    assert cleared == {**changed, "billingEmail": None, "primaryBrandColor": None,
                       "description": None}
    assert json.loads((await _audit(http, owner))[0]["after"]) == {
        "billingEmail": None, "primaryBrandColor": None, "description": None}


async def test_invalid_fields_are_400_and_change_nothing(http: aiohttp.ClientSession,
                                                         org: Org, issuer: TestIssuer) -> None:
    owner = issuer.operator_auth(org.org_id, "Owner")
    before = await _profile(http, org)
    for body, field in (({"name": ""}, "name"), ({"name": "   "}, "name"),
                        ({"name": None}, "name"), ({"name": "x" * 201}, "name"),
                        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
                        ({"timezone": None}, "timezone"),
                        ({"primaryBrandColor": "red"}, "primaryBrandColor"),
                        ({"primaryBrandColor": "#12345"}, "primaryBrandColor"),
                        ({"billingEmail": "not-an-address"}, "billingEmail"),
                        ({"description": "x" * 2001}, "description"),
                        ({"payoutGraceDays": -1}, "payoutGraceDays"),
                        ({"payoutGraceDays": "30"}, "payoutGraceDays"),
                        ({"payoutGraceDays": 1.5}, "payoutGraceDays"),
                        ({"payoutGraceDays": None}, "payoutGraceDays"),
                        ({"slug": "new-handle"}, "slug"),
                        ({"name": "Fine", "logoUrl": "https://x.example/l.png"}, "logoUrl")):
        async with http.patch(PROFILE, json=body, headers=owner) as response:
            await expect_error(response, 400, "validation_failed", field)
    assert await _profile(http, org) == before
    assert await _audit(http, owner) == []


async def test_grace_days_within_the_tiers_ceiling(http: aiohttp.ClientSession,
                                                   issuer: TestIssuer) -> None:
    for plan, status, ceiling in (("Growth", "Active", 30), ("Pro", "Active", 90),
                                  ("Pro", "Canceled", 30)):  # lapsed: Trial's ceiling
        org = await new_org(plan=plan, status=status)
        owner = issuer.operator_auth(org.org_id, "Owner")
        async with http.patch(PROFILE, json={"payoutGraceDays": ceiling + 1},
                              headers=owner) as response:
            body = await expect_error(response, 400, "validation_failed", "payoutGraceDays",
                                      extra=frozenset({"payoutGraceDaysMax"}))
        assert body["payoutGraceDaysMax"] == ceiling
        assert (await _profile(http, org))["payoutGraceDays"] == 30
        assert (await _patch(http, owner, {"payoutGraceDays": ceiling}))[
            "payoutGraceDays"] == ceiling
        assert (await _patch(http, owner, {"payoutGraceDays": 0}))["payoutGraceDays"] == 0


async def test_only_an_owner_of_the_org_and_no_api_key(http: aiohttp.ClientSession, org: Org,
                                                      other_org: Org,
                                                      issuer: TestIssuer) -> None:
    before = await _profile(http, org)
    for headers in (issuer.operator_auth(org.org_id, "Viewer"),
                    issuer.operator_auth(org.org_id, "Manager"), org.auth):
        async with http.patch(PROFILE, json={"name": "Taken Over"}, headers=headers) as r:
            assert (r.status, await r.read()) == (403, b"")
    # Another org's Owner changes their own org, never this one; no verified e-mail needed.
    theirs = await _patch(http, issuer.operator_auth(other_org.org_id, "Owner",
                                                     verified=False), {"name": "Theirs"})
    assert (theirs["id"], theirs["name"]) == (other_org.org_id, "Theirs")
    assert await _profile(http, org) == before
