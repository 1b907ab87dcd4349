"""The route declarations other routes will use, on a gateway app of test routes (in-process,
the real database, Redis and bus) and a real local issuer: a dashboard-only route
(``auth=Auth.JWT_ONLY``) refuses API keys with an empty 403, a role and a verified e-mail are
enforced, and a handler reads the operator from ``request[PRINCIPAL]`` as it reads an API
key's org. A gateway without a trusted issuer refuses every JWT (401)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from aiohttp import web

from services.gateway.domain.plans import Tier
from services.gateway.domain.roles import Auth, Role
from services.gateway.entrypoints.http.keys import PRINCIPAL
from services.gateway.entrypoints.http.route_table import Route
from tests.common.gateway_app import Client, serving_routes
from tests.common.oidc_issuer import AUDIENCE, TestIssuer
from tests.common.orgs import Org, new_org


async def whoami(request: web.Request, _payload: dict[str, Any]) -> dict[str, Any]:
    """What a handler knows of its caller: the org for both kinds, the operator for JWTs."""
    principal = request[PRINCIPAL]
    operator = principal.operator
    return {"orgId": str(principal.org_id), "apiKey": principal.is_api_key,
            "userId": operator.user_id if operator else None,
            "role": operator.role.name if operator else None,
            "emailVerified": operator.email_verified if operator else None}


ROUTES = [
    Route("GET", "/t/both", None, "Either", "Test", local=whoami, operation="t.both",
          plan=Tier.Pro, role=Role.Manager),
    Route("PATCH", "/t/dashboard", None, "Dashboard only", "Test", local=whoami,
          operation="t.dashboard", auth=Auth.JWT_ONLY, role=Role.Owner, email_verified=True),
]


def serving(**settings: Any) -> AbstractAsyncContextManager[Client]:
    return serving_routes(ROUTES, **settings)


@pytest.fixture(scope="module")
async def client(migrated: None, issuer: TestIssuer) -> AsyncIterator[Client]:
    async with serving(jwt_issuer=issuer.url, jwt_audience=AUDIENCE) as running:
        yield running


@pytest.fixture
async def org(migrated: None) -> Org:
    return await new_org(plan="Starter")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_dashboard_only_routes_refuse_api_keys(client: Client, org: Org,
                                                     issuer: TestIssuer) -> None:
    response = await client.patch("/t/dashboard", headers=org.auth)
    assert (response.status, await response.read()) == (403, b"")
    response = await client.patch("/t/dashboard", headers={"Authorization": "Bearer rk_live_x"})
    assert response.status == 401  # an invalid key is still a 401
    response = await client.patch("/t/dashboard")
    assert response.status == 401
    owner = issuer.operator_token(org.org_id, "Owner", sub="user_owner")
    response = await client.patch("/t/dashboard", headers=bearer(owner))
    assert await response.json() == {"orgId": org.org_id, "apiKey": False,
                                     "userId": "user_owner", "role": "Owner",
                                     "emailVerified": True}
    manager = issuer.operator_token(org.org_id, "Manager")
    response = await client.patch("/t/dashboard", headers=bearer(manager))
    assert (response.status, await response.read()) == (403, b"")
    unverified = issuer.operator_token(org.org_id, "Owner", verified=False)
    response = await client.patch("/t/dashboard", headers=bearer(unverified))
    assert (response.status, (await response.json())["error"]) == (403, "email_not_verified")


async def test_key_or_jwt_routes_gate_each_by_its_own_rules(client: Client, org: Org,
                                                            issuer: TestIssuer) -> None:
    # A Starter org: the Pro gate stops its API key, not its dashboard Manager.
    response = await client.get("/t/both", headers=org.auth)
    assert response.status == 402
    response = await client.get("/t/both", headers=bearer(issuer.operator_token(
        org.org_id, "Manager", verified=False)))
    assert (await response.json())["role"] == "Manager"
    response = await client.get("/t/both", headers=bearer(issuer.operator_token(
        org.org_id, "Viewer")))
    assert (response.status, await response.read()) == (403, b"")


async def test_without_a_trusted_issuer_every_jwt_is_refused(migrated: None, org: Org,
                                                             issuer: TestIssuer) -> None:
    async with serving() as bare:  # REKOMI_ENV=test, no REKOMI_JWT_ISSUER
        response = await bare.get("/t/both", headers=bearer(issuer.operator_token(org.org_id)))
        body = await response.json()
        assert (response.status, body["error"]) == (401, "unauthorized")
        assert "not configured" in body["message"]
