"""Sub-affiliate recruiting, brand side, over HTTP: the per-program config (Pro gate, range,
audit) and an affiliate's downline with what each recruit earned and the overrides on it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import aiohttp

from tests.common.api import audit_page, create_program, expect_error
from tests.common.orgs import Org, new_org
from tests.common.s2s import post_signed, recruited, sale, seller
from tests.common.stack import Stack
from tests.common.storefront_api import client_from, create_affiliate
from tests.common.waiting import eventually
from tests.e2e.test_s2s_lifecycle import refund_of, refunded

GATE_EXTRA = frozenset({"required", "current", "trialing"})


def _config(program_id: str) -> str:
    return f"/api/v1/programs/{program_id}/sub-affiliate-config"


def _downline(affiliate_id: str) -> str:
    return f"/api/v1/affiliates/{affiliate_id}/sub-affiliates"


async def _config_audit(http: aiohttp.ClientSession, org: Org, program_id: str
                        ) -> list[dict[str, object]] | None:
    page = await audit_page(http, org, action="program.sub_affiliate_config_changed")
    items = [i for i in page["items"] if i["entityId"] == program_id]
    return items or None


async def test_config_defaults_put_and_audit(stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org)
        async with http.get(_config(program["id"]), headers=org.auth) as response:
            assert response.status == 200
            assert await response.json() == {"enabled": False, "percent": 0.0}
        async with http.put(_config(program["id"]), json={"enabled": True, "percent": 10},
                            headers=org.auth) as response:
            assert response.status == 200
            assert await response.json() == {"enabled": True, "percent": 10.0}
        async with http.get(_config(program["id"]), headers=org.auth) as response:
            assert await response.json() == {"enabled": True, "percent": 10.0}
        entries = await eventually(lambda: _config_audit(http, org, program["id"]),
                                   what="config audit row")
        assert entries[0]["entityType"] == "program"
        assert json.loads(str(entries[0]["before"])) == {"enabled": False, "percent": 0.0}
        assert json.loads(str(entries[0]["after"])) == {"enabled": True, "percent": 10.0}
        async with http.put(_config(program["id"]), json={"enabled": True, "percent": 10.0},
                            headers=org.auth) as response:
            assert response.status == 200  # the same config again: a no-op, not audited
        async with http.put(_config(program["id"]), json={"enabled": True, "percent": 12.5},
                            headers=org.auth) as response:
            assert (await response.json())["percent"] == 12.5
        rows = await eventually(
            lambda: _at_least(_config_audit(http, org, program["id"]), 2), what="2nd row")
        assert len(rows) == 2


async def _at_least(probe: object, n: int) -> list[dict[str, object]] | None:
    found = await probe  # type: ignore[misc]
    return found if found and len(found) >= n else None


async def test_put_validation_and_nothing_changes(stack: Stack) -> None:
    org = await new_org()
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org)
        for body, code, field in (({"enabled": True, "percent": 100.5}, "unsupported_value",
                                   "percent"),
                                  ({"enabled": True, "percent": -1}, "unsupported_value",
                                   "percent"),
                                  ({"enabled": True, "percent": "10"}, "validation_failed",
                                   "percent"),
                                  ({"enabled": "yes", "percent": 10}, "validation_failed",
                                   "enabled"),
                                  ({"percent": 10}, "validation_failed", "enabled"),
                                  ({"enabled": True}, "validation_failed", "percent")):
            async with http.put(_config(program["id"]), json=body,
                                headers=org.auth) as response:
                await expect_error(response, 400, code, field)
        for edge in (0, 100):
            async with http.put(_config(program["id"]), json={"enabled": True, "percent": edge},
                                headers=org.auth) as response:
                assert response.status == 200
        async with http.get(_config(program["id"]), headers=org.auth) as response:
            assert await response.json() == {"enabled": True, "percent": 100.0}
        async with http.delete(f"/api/v1/programs/{program['id']}", headers=org.auth) as r:
            assert r.status == 204
        async with http.put(_config(program["id"]), json={"enabled": False, "percent": 5},
                            headers=org.auth) as response:
            await expect_error(response, 409, "program_archived")
        async with http.get(_config(program["id"]), headers=org.auth) as response:
            await expect_error(response, 404, "program_not_found")


async def test_put_needs_pro_unless_trialing(stack: Stack) -> None:
    async with client_from(stack.base_url) as http:
        for plan, status, allowed in (("Growth", "Active", False), ("Starter", "Active", False),
                                      ("Pro", "Trialing", True), ("Starter", "Trialing", True),
                                      ("Pro", "Canceled", False)):
            org = await new_org(plan=plan, status=status)
            pro = await new_org()
            program = await create_program(http, pro)
            path = _config(program["id"])
            async with http.put(path, json={"enabled": True, "percent": 5},
                                headers=org.auth) as response:
                if allowed:  # passes the gate, then the program is another org's
                    await expect_error(response, 404, "program_not_found")
                else:
                    body = await expect_error(response, 402, "plan_tier_required",
                                              extra=GATE_EXTRA)
                    assert body["required"] == "Pro"


async def test_config_and_downline_are_tenant_isolated(stack: Stack) -> None:
    org, other = await new_org(), await new_org()
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org)
        recruiter = await create_affiliate(http, org, program["id"])
        for path in (_config(program["id"]), _downline(recruiter["id"]),
                     _config(str(uuid.uuid4())), _downline(str(uuid.uuid4()))):
            async with http.get(path, headers=other.auth) as response:
                assert response.status == 404, path
        async with http.put(_config(program["id"]), json={"enabled": True, "percent": 50},
                            headers=other.auth) as response:
            await expect_error(response, 404, "program_not_found")
        async with http.get(_config(program["id"]), headers=org.auth) as response:
            assert await response.json() == {"enabled": False, "percent": 0.0}
        async with http.get(_downline("not-a-uuid"), headers=org.auth) as response:
            await expect_error(response, 404, "not_found")


async def test_downline_lists_recruits_with_home_currency(stack: Stack) -> None:
    org = await new_org(currency="EUR")
    async with client_from(stack.base_url) as http:
        program = await create_program(http, org, autoApprove=True)
        recruiter = await create_affiliate(http, org, program["id"])
        async with http.get(_downline(recruiter["id"]), headers=org.auth) as response:
            assert response.status == 200
            assert await response.json() == []
        emails = [f"r{i}-{uuid.uuid4().hex[:6]}@example.com" for i in range(2)]
        for email in emails:
            async with http.post(f"/api/p/id/{program['id']}/apply", json={
                    "email": email, "fullName": "Recruited Person",
                    "recruitedByAffiliateId": recruiter["id"]}) as response:
                assert response.status == 200
        await create_affiliate(http, org, program["id"])  # not a recruit
        async with http.get(_downline(recruiter["id"]), headers=org.auth) as response:
            downline = await response.json()
        assert [r["email"] for r in downline] == emails
        assert downline[0] == {"id": downline[0]["id"], "email": emails[0],
                               "fullName": "Recruited Person", "status": "Approved",
                               "totalCommissionCents": 0, "overrideEarnedCents": 0,
                               "currency": "EUR"}


async def _downline_of(http: aiohttp.ClientSession, org: Org, affiliate_id: str
                       ) -> list[dict[str, Any]]:
    async with http.get(_downline(affiliate_id), headers=org.auth) as response:
        assert response.status == 200
        found: list[dict[str, Any]] = await response.json()
    return found


async def _totals(http: aiohttp.ClientSession, org: Org, affiliate_id: str
                  ) -> dict[str, tuple[int, int, str]]:
    return {r["id"]: (r["totalCommissionCents"], r["overrideEarnedCents"], r["currency"])
            for r in await _downline_of(http, org, affiliate_id)}


async def test_downline_totals_follow_the_recruit_s_sales_and_refunds(
        http: aiohttp.ClientSession) -> None:
    """A recruit's two S2S sales (20%) book the recruiter's 10% overrides beside them: the
    downline shows both totals; a refund takes one sale and its override back."""
    s = await seller(http)
    recruit = await recruited(http, s)
    idle = await recruited(http, s)  # recruited, sold nothing
    sales = [sale(recruit["affiliateLinkSlug"], amountCents=cents) for cents in (9900, 5000)]
    made = [(await post_signed(http, s.org, body))[1] for body in sales]  # waits for booking
    await post_signed(http, s.org, sale(s.slug))  # the recruiter's own sale is not the recruit's
    assert await _totals(http, s.org, s.affiliate["id"]) == {
        recruit["affiliateId"]: (1980 + 1000, 198 + 100, "USD"), idle["affiliateId"]: (0, 0, "USD")}
    status, _ = await post_signed(http, s.org, refund_of(sales[0]["externalEventId"]))
    assert status == 200
    await refunded(http, s, made[0]["conversionId"])  # the override is refunded with it
    assert await _totals(http, s.org, s.affiliate["id"]) == {
        recruit["affiliateId"]: (1000, 100, "USD"), idle["affiliateId"]: (0, 0, "USD")}
    assert await _downline_of(http, s.org, recruit["affiliateId"]) == []  # recruited nobody
