"""``POST /api/v1/embed/tokens`` and ``.../{id}/revoke`` through the running stack: the
plaintext shown once and only its SHA-256 kept, one live token per affiliate (metadata with
``alreadyExists`` unless ``rotate``), the lifetime clamp, exact origins, tenant isolation, the
Growth+ gate for API keys and dashboard operators alike, and the audit rows."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from tests.common.api import expect_error
from tests.common.embed_api import ORIGIN, TOKENS, expire, gateway_sql, mint, read, revoke
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org, new_key, new_org
from tests.common.s2s import Seller, seller
from tests.common.stack import rekomi

PLAN_EXTRA = frozenset({"required", "current", "trialing"})
ISSUED = {"id", "token", "allowedOrigins", "expiresAt"}
EXISTING = {"id", "allowedOrigins", "expiresAt", "alreadyExists"}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _hours_from_now(text: str) -> float:
    return (_at(text) - datetime.now(UTC)).total_seconds() / 3600


async def _audit(http: aiohttp.ClientSession, org: Org) -> list[dict[str, Any]]:
    """The org's embed-token audit rows, oldest first, ``before``/``after`` parsed."""
    async with http.get("/api/v1/audit-log", params={"entityType": "embed_token"},
                        headers=org.auth) as response:
        body = await response.json()
        assert response.status == 200, body
    return [{**row, "before": row["before"] and json.loads(row["before"]),
             "after": row["after"] and json.loads(row["after"])}
            for row in reversed(body["items"])]


async def test_the_plaintext_is_shown_once_and_only_its_hash_is_kept(
        http: aiohttp.ClientSession, org: Org) -> None:
    s = await seller(http, org)
    issued = await mint(http, org.auth, s.affiliate["id"],
                        allowedOrigins="https://yourapp.com, HTTPS://App.YourApp.com:443/")
    assert set(issued) == ISSUED
    assert issued["allowedOrigins"] == "https://yourapp.com,https://app.yourapp.com"
    assert 23.9 < _hours_from_now(issued["expiresAt"]) <= 24
    [row] = await gateway_sql("SELECT * FROM embed_tokens WHERE id = $1",
                              uuid.UUID(issued["id"]))
    assert row["token_hash"] == hashlib.sha256(issued["token"].encode()).digest()
    assert issued["token"] not in str(dict(row))
    assert (str(row["affiliate_id"]), str(row["program_id"])) == (s.affiliate["id"],
                                                                  s.program["id"])
    status, _, _ = await read(http, issued["token"])
    assert status == 200

    again = await mint(http, org.auth, s.affiliate["id"], allowedOrigins="https://other.com")
    assert again == {"id": issued["id"], "allowedOrigins": issued["allowedOrigins"],
                     "expiresAt": issued["expiresAt"], "alreadyExists": True}
    assert (await read(http, issued["token"]))[0] == 200  # untouched, still working
    [(action, before, after)] = [(r["action"], r["before"], r["after"])
                                 for r in await _audit(http, org)]
    assert (action, before) == ("embed_token.created", None)
    assert after == {"id": issued["id"], "affiliateId": s.affiliate["id"],
                     "programId": s.program["id"], "allowedOrigins": issued["allowedOrigins"],
                     "expiresAt": issued["expiresAt"]}


async def test_rotation_replaces_the_token_and_the_old_one_stops_working(
        http: aiohttp.ClientSession, org: Org) -> None:
    s = await seller(http, org)
    first = await mint(http, org.auth, s.affiliate["id"])
    assert (await read(http, first["token"]))[0] == 200  # cached by the gateway now
    second = await mint(http, org.auth, s.affiliate["id"], rotate=True, expiresInHours=2,
                        allowedOrigins="http://localhost:3000")
    assert set(second) == ISSUED and second["id"] != first["id"]
    assert second["token"] != first["token"]
    assert (await read(http, first["token"]))[:2] == (401, {})
    assert (await read(http, second["token"], "http://localhost:3000"))[0] == 200
    live = await gateway_sql("SELECT id FROM embed_tokens WHERE affiliate_id = $1 "
                             "AND revoked_at IS NULL", uuid.UUID(s.affiliate["id"]))
    assert [str(r["id"]) for r in live] == [second["id"]]
    rotated = (await _audit(http, org))[-1]
    assert rotated["action"] == "embed_token.rotated"
    assert rotated["entityId"] == second["id"]
    assert (rotated["before"]["id"], rotated["after"]["id"]) == (first["id"], second["id"])


async def test_an_expired_token_is_replaced_without_rotate(http: aiohttp.ClientSession,
                                                           org: Org) -> None:
    s = await seller(http, org)
    first = await mint(http, org.auth, s.affiliate["id"])
    await expire(first["id"])
    fresh = await mint(http, org.auth, s.affiliate["id"])
    assert set(fresh) == ISSUED and fresh["id"] != first["id"]
    assert (await read(http, fresh["token"]))[0] == 200
    assert (await read(http, first["token"]))[:2] == (401, {})


async def test_the_lifetime_is_clamped_to_1_to_720_hours(http: aiohttp.ClientSession,
                                                         org: Org) -> None:
    s = await seller(http, org)
    for asked, hours in ((0, 1), (-3, 1), (5, 5), (721, 720), (10**12, 720)):
        issued = await mint(http, org.auth, s.affiliate["id"], rotate=True,
                            expiresInHours=asked)
        assert hours - 0.1 < _hours_from_now(issued["expiresAt"]) <= hours, (asked, issued)


async def test_bad_input_changes_nothing(http: aiohttp.ClientSession, org: Org,
                                         other_org: Org) -> None:
    s = await seller(http, org)
    for origins in ("https://*.yourapp.com", "https://yourapp.com/app", "yourapp.com",
                    "https://ok.com,null", "https://yourapp.com?x=1"):
        async with http.post(TOKENS, json={"affiliateId": s.affiliate["id"],
                                           "allowedOrigins": origins},
                             headers=org.auth) as response:
            body = await expect_error(response, 400, "validation_failed", "allowedOrigins")
        bad = origins.rsplit(",", 1)[-1]
        assert repr(bad) in body["message"], body
    mine = s.affiliate["id"]
    for body, field in (({}, "affiliateId"), ({"affiliateId": "nope"}, "affiliateId"),
                        ({"affiliateId": mine, "x": 1}, "x"),
                        ({"affiliateId": mine, "rotate": "yes"}, "rotate"),
                        ({"affiliateId": mine, "allowedOrigins": ["https://a.com"]},
                         "allowedOrigins"),
                        ({"affiliateId": mine, "expiresInHours": 1.5}, "expiresInHours")):
        async with http.post(TOKENS, json=body, headers=org.auth) as response:
            await expect_error(response, 400, "validation_failed", field)
    # Another org's affiliate, or none at all: 404, as if it did not exist.
    theirs = await seller(http, other_org)
    for affiliate_id in (theirs.affiliate["id"], str(uuid.uuid4())):
        async with http.post(TOKENS, json={"affiliateId": affiliate_id},
                             headers=org.auth) as response:
            await expect_error(response, 404, "affiliate_not_found", "affiliateId")
    assert await gateway_sql("SELECT 1 FROM embed_tokens WHERE org_id = $1",
                             uuid.UUID(org.org_id)) == []
    assert await _audit(http, org) == []


async def test_revoke_is_immediate_idempotent_and_scoped_to_the_org(
        http: aiohttp.ClientSession, org: Org, other_org: Org) -> None:
    s = await seller(http, org)
    issued = await mint(http, org.auth, s.affiliate["id"])
    assert (await read(http, issued["token"]))[0] == 200
    await revoke(http, other_org.auth, issued["id"], expect=404)  # another org's: unknown
    assert (await read(http, issued["token"]))[0] == 200
    assert await revoke(http, org.auth, issued["id"]) == {"ok": True}
    assert (await read(http, issued["token"]))[:2] == (401, {})
    assert await revoke(http, org.auth, issued["id"]) == {"ok": True}  # again: no change
    async with http.post(f"{TOKENS}/{uuid.uuid4()}/revoke", json={},
                         headers=org.auth) as response:
        await expect_error(response, 404, "embed_token_not_found")
    async with http.post(f"{TOKENS}/not-a-uuid/revoke", json={}, headers=org.auth) as response:
        await expect_error(response, 404, "not_found")
    actions = [(r["action"], r["entityId"]) for r in await _audit(http, org)]
    assert actions == [("embed_token.created", issued["id"]),
                       ("embed_token.revoked", issued["id"])]
    # A new token may be minted after a revocation, without rotate.
    assert set(await mint(http, org.auth, s.affiliate["id"])) == ISSUED


async def test_minting_needs_growth_for_keys_and_dashboard_alike(
        http: aiohttp.ClientSession, issuer: TestIssuer) -> None:
    starter = await new_org(plan="Starter")
    s: Seller = await seller(http, starter)
    for headers in (starter.auth, issuer.operator_auth(starter.org_id, "Owner")):
        async with http.post(TOKENS, json={"affiliateId": s.affiliate["id"]},
                             headers=headers) as response:
            body = await expect_error(response, 402, "plan_tier_required", extra=PLAN_EXTRA)
        assert (body["required"], body["current"], body["trialing"]) == ("Growth", "Starter",
                                                                         False)
    growth = await new_org(plan="Growth", status="Trialing")
    g = await seller(http, growth)
    manager = issuer.operator_auth(growth.org_id, "Manager")
    issued = await mint(http, manager, g.affiliate["id"])
    viewer = issuer.operator_auth(growth.org_id, "Viewer")
    for path in (TOKENS, f"{TOKENS}/{issued['id']}/revoke"):
        async with http.post(path, json={"affiliateId": g.affiliate["id"]} if path == TOKENS
                             else {}, headers=viewer) as response:
            assert (response.status, await response.read()) == (403, b"")
    read_only = await new_key(growth, "read")
    async with http.post(TOKENS, json={"affiliateId": g.affiliate["id"]},
                         headers=read_only) as response:
        await expect_error(response, 403, "insufficient_scope")
    assert await revoke(http, manager, issued["id"]) == {"ok": True}


async def test_a_lapsed_org_can_still_revoke_from_the_dashboard(
        http: aiohttp.ClientSession, issuer: TestIssuer) -> None:
    org = await new_org(plan="Growth")
    s = await seller(http, org)
    issued = await mint(http, org.auth, s.affiliate["id"])
    rekomi("admin", "set-plan", "--org", org.org_id, "--plan", "Starter", "--status", "Active")
    await revoke(http, org.auth, issued["id"], expect=402)  # API keys: Growth+ (row 37)
    owner = issuer.operator_auth(org.org_id, "Owner")
    assert await revoke(http, owner, issued["id"]) == {"ok": True}
    assert (await read(http, issued["token"]))[:2] == (401, {})


async def test_an_existing_token_is_answered_in_the_documented_shape(
        http: aiohttp.ClientSession, org: Org) -> None:
    s = await seller(http, org)
    issued = await mint(http, org.auth, s.affiliate["id"], allowedOrigins=None)
    assert issued["allowedOrigins"] == ""
    existing = await mint(http, org.auth, s.affiliate["id"])
    assert set(existing) == EXISTING and existing["alreadyExists"] is True
    assert _at(existing["expiresAt"]) > datetime.now(UTC) + timedelta(hours=23)
    assert ORIGIN not in existing["allowedOrigins"]


async def test_concurrent_mints_leave_one_live_token(http: aiohttp.ClientSession,
                                                     org: Org) -> None:
    s = await seller(http, org)
    answers = await asyncio.gather(*(mint(http, org.auth, s.affiliate["id"]) for _ in range(5)))
    [issued] = [a for a in answers if "token" in a]
    assert all(a == {"id": issued["id"], "allowedOrigins": ORIGIN,
                     "expiresAt": issued["expiresAt"], "alreadyExists": True}
               for a in answers if a is not issued)
    rotated = await asyncio.gather(*(mint(http, org.auth, s.affiliate["id"], rotate=True)
                                     for _ in range(4)))
    assert all(set(a) == ISSUED for a in rotated)
    [live] = await gateway_sql("SELECT id FROM embed_tokens WHERE affiliate_id = $1 "
                               "AND revoked_at IS NULL", uuid.UUID(s.affiliate["id"]))
    working = [a["id"] for a in [issued, *rotated] if (await read(http, a["token"]))[0] == 200]
    assert working == [str(live["id"])]
