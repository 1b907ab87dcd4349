"""The replica that revokes a key forgets it at once, without waiting for its own NOTIFY to
come back: on the real gateway app (in-process, the real database) whose key cache hears no
NOTIFY at all, a key revoked over ``DELETE /api/v1/api-keys/{id}`` is refused on the very
next request. (Every replica at once, through the NOTIFY: tests/e2e/test_api_keys_replicas.py.)"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http.keys import PRINCIPALS
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.routes.api_keys import API_KEY_ROUTES
from tests.common.gateway_app import serving_routes
from tests.common.oidc_issuer import AUDIENCE, TestIssuer
from tests.common.orgs import new_org


async def ok(_request: web.Request, _payload: dict[str, Any]) -> dict[str, Any]:
    return {}


ROUTES = [*API_KEY_ROUTES, Route("GET", "/t/key", None, "Any key", "Test", local=ok,
                                 operation="t.key", role=Role.Viewer)]


async def test_the_revoking_replica_refuses_the_key_on_the_next_request(
        migrated: None, issuer: TestIssuer) -> None:
    org = await new_org()
    owner = {"Authorization": f"Bearer {issuer.operator_token(org.org_id, 'Owner')}"}
    async with serving_routes(ROUTES, jwt_issuer=issuer.url, jwt_audience=AUDIENCE,
                              api_key_cache_seconds=300) as client:
        created = await client.post("/api/v1/api-keys", headers=owner,
                                    json={"scope": "read", "name": "doomed"})
        key = await created.json()
        assert created.status == 201, key
        auth = {"Authorization": f"Bearer {key['key']}"}
        assert (await client.get("/t/key", headers=auth)).status == 200  # cached now
        await client.app[PRINCIPALS].stop()  # deaf from here on: no NOTIFY clears the cache
        assert (await client.get("/t/key", headers=auth)).status == 200  # still cached
        response = await client.delete(f"/api/v1/api-keys/{key['id']}", headers=owner)
        assert response.status == 204
        assert (await client.get("/t/key", headers=auth)).status == 401
        assert (await client.get("/t/key", headers=org.auth)).status == 200  # reloaded
