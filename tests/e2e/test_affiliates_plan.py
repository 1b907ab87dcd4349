"""Gates on every affiliates route: a Trial org is refused with 402 before anything else runs,
a read key reads but every mutation is 403, and a refused call changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp
import pytest

from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.routes import ROUTES
from tests.common.affiliates_api import AFFILIATES, create_affiliate, get_affiliate
from tests.common.api import create_program, expect_error
from tests.common.orgs import Org, new_key, new_org

PLAN_EXTRA = frozenset({"required", "current", "trialing"})
# Every route under /api/v1/affiliates, including any added later.
AFFILIATE_ROUTES = [r for r in ROUTES if r.path == AFFILIATES
                    or r.path.startswith(f"{AFFILIATES}/")]
MUTATIONS = [r for r in AFFILIATE_ROUTES if r.method not in ("GET", "HEAD", "OPTIONS")]
READS = [r for r in AFFILIATE_ROUTES if r.method == "GET"]
CORE = {("GET", AFFILIATES), ("GET", f"{AFFILIATES}/{{id}}"),
        ("GET", f"{AFFILIATES}/applications"), ("POST", AFFILIATES),
        ("PATCH", f"{AFFILIATES}/{{id}}"), ("POST", f"{AFFILIATES}/{{id}}/approve"),
        ("POST", f"{AFFILIATES}/{{id}}/reject"), ("POST", f"{AFFILIATES}/bulk-action")}


def _name(route: Route) -> str:
    return f"{route.method} {route.path}"


def _url(route: Route, affiliate_id: str) -> str:
    return route.path.replace("{id}", affiliate_id).replace("{code}", "GATED20")


def _valid_body(route: Route, program_id: str, affiliate_id: str) -> dict[str, Any] | None:
    """A body the route would accept, so only the gate can refuse it."""
    if route.method == "GET":
        return None
    if route.path == AFFILIATES:
        return {"programId": program_id, "email": f"gate-{uuid.uuid4().hex[:8]}@example.com"}
    if route.path.endswith("/bulk-action"):
        return {"affiliateIds": [affiliate_id], "action": "delete"}
    if route.path.endswith("/coupon-codes"):
        return {"code": "GATED20"}
    if route.method == "PATCH":
        return {"notes": "gated", "status": "Banned"}
    return {}


def test_the_core_routes_are_all_covered() -> None:
    assert {(r.method, r.path) for r in AFFILIATE_ROUTES} >= CORE
    assert all(r.plan is not None and r.plan.value == "Starter" for r in AFFILIATE_ROUTES)


@pytest.fixture
async def pro(http: aiohttp.ClientSession) -> tuple[Org, str, dict[str, Any]]:
    """A Pro org, its program and one Pending affiliate the gated calls aim at."""
    org = await new_org()
    program = str((await create_program(http, org))["id"])
    return org, program, await create_affiliate(http, org, program, status="Pending")


@pytest.mark.parametrize(("plan", "status", "current", "trialing"), [
    ("Trial", "Active", "Trial", False),
    ("Trial", "Trialing", "Trial", True),
    ("Pro", "Canceled", "Trial", False),
])
@pytest.mark.parametrize("route", AFFILIATE_ROUTES, ids=_name)
async def test_trial_is_402_on_every_route(http: aiohttp.ClientSession, route: Route,
                                           plan: str, status: str, current: str,
                                           trialing: bool) -> None:
    org = await new_org(plan, status)
    # Even a body that would not validate: the gate comes first.
    body = None if route.method == "GET" else {"nonsense": True}
    async with http.request(route.method, _url(route, str(uuid.uuid4())), json=body,
                            headers=org.auth) as response:
        refused = await expect_error(response, 402, "plan_tier_required", extra=PLAN_EXTRA)
    assert (refused["required"], refused["current"], refused["trialing"]) == (
        "Starter", current, trialing)


@pytest.mark.parametrize("route", AFFILIATE_ROUTES, ids=_name)
async def test_a_trialing_starter_passes_the_gate(http: aiohttp.ClientSession,
                                                  route: Route) -> None:
    org = await new_org("Starter", "Trialing")
    async with http.request(route.method, _url(route, str(uuid.uuid4())),
                            json=None if route.method == "GET" else {},
                            headers=org.auth) as response:
        assert response.status not in (401, 402, 403), await response.text()


@pytest.mark.parametrize("route", MUTATIONS, ids=_name)
async def test_read_key_is_403_on_every_mutation(
        http: aiohttp.ClientSession, route: Route,
        pro: tuple[Org, str, dict[str, Any]]) -> None:
    org, program, affiliate = pro
    read = await new_key(org, "read")
    async with http.request(route.method, _url(route, affiliate["id"]),
                            json=_valid_body(route, program, affiliate["id"]),
                            headers=read) as response:
        await expect_error(response, 403, "insufficient_scope")
    assert await get_affiliate(http, org, affiliate["id"]) == affiliate
    async with http.get(AFFILIATES, headers=org.auth) as response:
        assert [a["id"] for a in (await response.json())["items"]] == [affiliate["id"]]


@pytest.mark.parametrize("route", READS, ids=_name)
async def test_read_key_reads(http: aiohttp.ClientSession, route: Route,
                              pro: tuple[Org, str, dict[str, Any]]) -> None:
    org, _program, affiliate = pro
    read = await new_key(org, "read")
    async with http.get(_url(route, affiliate["id"]), headers=read) as response:
        assert response.status not in (401, 402, 403), await response.text()
        body = await response.json()
    if (route.method, route.path) in CORE:
        assert response.status == 200, body
    if route.path in (AFFILIATES, f"{AFFILIATES}/applications"):
        assert [a["id"] for a in body["items"]] == [affiliate["id"]]
    elif route.path == f"{AFFILIATES}/{{id}}":
        assert body == affiliate
