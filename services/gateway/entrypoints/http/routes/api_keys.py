"""Self-service API keys: an Owner signed in to the dashboard lists, creates and revokes the
org's keys (the gateway owns them, so the routes run here). Dashboard only: an API key cannot
make or revoke keys (403, empty body); any plan, so a lapsed org can still revoke a leaked key."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from libs.contracts import api_keys as c
from libs.contracts.common import Actor
from services.gateway.domain.roles import Auth, Role
from services.gateway.entrypoints.http.keys import POOL, PRINCIPAL, PRINCIPALS
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.service_layer.api_keys import create_key, list_keys, revoke_key

TAG = "API keys"
KEYS = "/api/v1/api-keys"
DASHBOARD_ONLY = ("Dashboard only: an Owner's sign-in token; API keys get 403 with an empty "
                  "body, lower roles too.")
LIST_NOTE = (
    "The org's keys, newest first, revoked ones included (`revokedAt` set); `take` (1-200, "
    "default 50) and `cursor` (the previous page's `nextCursor`). Never a key's secret or hash: "
    "`prefix` is enough to recognise one. `lastUsedAt` is when a request last authenticated "
    "with the key, to within a few seconds (gateways write it in batches). " + DASHBOARD_ONLY)
CREATE_NOTE = (
    "A new key of the caller's org: `scope` `read` | `read_write`; `kind` `live` (default: "
    "`rk_live_...`, for the API) or `mcp` (`rk_mcp_...`, for the MCP server); `name` (1-100 "
    "characters). The answer's `key` is the plaintext, shown this once: only its SHA-256 is "
    "kept. Audited as `api_key.created`. " + DASHBOARD_ONLY)
REVOKE_NOTE = (
    "The key stops working at once on every gateway (401 on its next request). Revoking a "
    "revoked key again answers the same and changes nothing. 404 `api_key_not_found` for an "
    "unknown id or another org's. Audited as `api_key.revoked`. " + DASHBOARD_ONLY)


async def _list(request: web.Request, payload: dict[str, Any]) -> c.ApiKeyList:
    return await list_keys(request.app[POOL], request[PRINCIPAL].org_id, payload["take"],
                           payload.get("cursor"))


async def _create(request: web.Request, payload: dict[str, Any]) -> c.ApiKeyCreated:
    body = c.ApiKeyCreate.model_validate(payload["data"])
    async with request.app[POOL].acquire() as conn:
        return await create_key(conn, request[PRINCIPAL].org_id, body.scope,
                                Actor.model_validate(payload["actor"]), kind=body.kind,
                                name=body.name)


async def _revoke(request: web.Request, payload: dict[str, Any]) -> None:
    async with request.app[POOL].acquire() as conn:
        await revoke_key(conn, uuid.UUID(payload["keyId"]), Actor.model_validate(payload["actor"]),
                         org_id=request[PRINCIPAL].org_id)
    request.app[PRINCIPALS].changed_here()  # before its NOTIFY comes back: the next request


def _route(method: str, path: str, summary: str, **kw: Any) -> Route:
    return Route(method, path, None, summary, TAG, auth=Auth.JWT_ONLY, role=Role.Owner, **kw)


API_KEY_ROUTES: list[Route] = [
    _route("GET", KEYS, "List the org's API keys", query=c.ApiKeyListQuery,
           response=c.ApiKeyList, local=_list, operation="api_keys.list",
           description=LIST_NOTE),
    _route("POST", KEYS, "Create an API key", body=c.ApiKeyCreate, response=c.ApiKeyCreated,
           status=201, local=_create, audited=True, operation="api_keys.create",
           description=CREATE_NOTE),
    _route("DELETE", f"{KEYS}/{{id}}", "Revoke an API key", path_params={"id": "keyId"},
           status=204, local=_revoke, audited=True, operation="api_keys.revoke",
           description=REVOKE_NOTE),
]
