"""Every role on every route of the route table, through the running gateway with tokens of the
test issuer: a dashboard operator below the route's role gets 403 with an empty body (the
reference's shape), one at or above it gets past the gate (whatever the call then answers:
ids here are random, bodies empty, so nothing is changed). A route that admits operators
without a role decision fails here (and in tests/unit/test_route_roles.py).

Routes that ask for a verified e-mail refuse an unverified operator of a sufficient role with
403 ``email_not_verified``; API keys pass both checks as before."""

from __future__ import annotations

import re
import uuid

import aiohttp
import pytest

from services.gateway.domain.roles import Auth, Role
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.routes import ROUTES
from tests.common.api import expect_error
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org

OPERATOR_ROUTES = [r for r in ROUTES if not r.public and r.auth.takes_operator]
VERIFIED_ROUTES = [r for r in OPERATOR_ROUTES if r.email_verified]


def route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


def url_of(route: Route) -> str:
    """The path with every parameter filled: a random id, or text for raw parameters."""
    return re.sub(r"{(\w+)}", lambda m: "x-" + uuid.uuid4().hex[:8]
                  if m.group(1) in route.raw_path_params else str(uuid.uuid4()), route.path)


def body_of(route: Route) -> dict[str, object] | None:
    return {} if route.body is not None else None


async def call(http: aiohttp.ClientSession, route: Route, token: str
               ) -> tuple[int, bytes]:
    async with http.request(route.method, url_of(route), json=body_of(route), headers={
            "Authorization": f"Bearer {token}"}) as response:
        return response.status, await response.read()


def test_the_route_table_admits_operators_somewhere() -> None:
    assert len(OPERATOR_ROUTES) > 60 and len(VERIFIED_ROUTES) >= 5


@pytest.mark.parametrize("route", OPERATOR_ROUTES, ids=route_id)
async def test_each_role_on_each_route(http: aiohttp.ClientSession, org: Org,
                                       issuer: TestIssuer, route: Route) -> None:
    assert route.role is not None, (
        f"{route_id(route)} admits dashboard operators but decides no role: give it "
        "role=Role.Viewer | Manager | Owner in its routes/*.py")
    for role in Role:
        status, body = await call(http, route, issuer.operator_token(org.org_id, role.name))
        if role < route.role:
            assert (status, body) == (403, b""), (route_id(route), role.name, status, body)
        else:
            assert status not in (401, 403), (route_id(route), role.name, status, body)


@pytest.mark.parametrize("route", VERIFIED_ROUTES, ids=route_id)
async def test_unverified_email_is_refused_where_the_reference_says(
        http: aiohttp.ClientSession, org: Org, issuer: TestIssuer, route: Route) -> None:
    assert route.role is not None
    token = issuer.operator_token(org.org_id, route.role.name, verified=False)
    async with http.request(route.method, url_of(route), json=body_of(route), headers={
            "Authorization": f"Bearer {token}"}) as response:
        await expect_error(response, 403, "email_not_verified")
    # An API key is not asked for a verified e-mail (nor a role).
    async with http.request(route.method, url_of(route), json=body_of(route),
                            headers=org.auth) as response:
        assert response.status not in (401, 403), await response.text()


async def test_routes_without_email_verification_take_unverified_operators(
        http: aiohttp.ClientSession, org: Org, issuer: TestIssuer) -> None:
    token = issuer.operator_token(org.org_id, "Owner", verified=False)
    async with http.get("/api/v1/programs", headers={
            "Authorization": f"Bearer {token}"}) as response:
        assert response.status == 200


@pytest.mark.parametrize("route", [r for r in ROUTES if r.auth is Auth.AFFILIATE_JWT],
                         ids=route_id)
async def test_affiliate_routes_refuse_api_keys_with_an_empty_403(
        http: aiohttp.ClientSession, org: Org, route: Route) -> None:
    async with http.request(route.method, url_of(route), headers=org.auth) as response:
        assert (response.status, await response.read()) == (403, b"")
