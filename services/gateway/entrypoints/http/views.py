"""One view per route, built from the route table: gate, parse, forward, answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from libs.contracts.common import ActorType, as_json
from services.gateway.domain import access
from services.gateway.domain.principal import AffiliatePrincipal, Principal
from services.gateway.domain.roles import Auth
from services.gateway.domain.scopes import required_scope
from services.gateway.entrypoints.http.errors import json_response
from services.gateway.entrypoints.http.idempotency import requested_key, run_once
from services.gateway.entrypoints.http.keys import AFFILIATE, BUS, PRINCIPAL
from services.gateway.entrypoints.http.parsing import parse_body, parse_query, path_id
from services.gateway.entrypoints.http.route_table import Route

View = Callable[[web.Request], Awaitable[web.StreamResponse]]


def enforce_gates(route: Route, principal: Principal) -> None:
    access.require(principal, scope=required_scope(route.method, route.scope), plan=route.plan,
                   role=route.role, email_verified=route.email_verified)


def actor_of(request: web.Request, principal: Principal | AffiliatePrincipal | None
             ) -> dict[str, Any]:
    """API keys act as ``api_key``; dashboard operators and affiliates as ``user`` with their
    id (the token's subject); an anonymous caller of a public route (an applicant, an
    invitee) as ``user`` without an id. The dict is ``Actor``'s JSON dump, built directly:
    every write (each S2S sale) carries one, and the model round trip cost more than the rest
    of the view."""
    key_id = user_id = None
    if isinstance(principal, AffiliatePrincipal):
        user_id = principal.subject
    elif principal is not None and principal.operator is not None:
        user_id = principal.operator.user_id
    elif principal is not None:
        key_id = str(principal.key_id)
    return {"type": (ActorType.api_key if key_id else ActorType.user).value,
            "keyId": key_id, "userId": user_id,
            "ip": request.remote, "userAgent": request.headers.get("User-Agent")}


def memberships_of(affiliate: AffiliatePrincipal) -> list[dict[str, Any]]:
    """``MeScoped.memberships``' JSON (libs/contracts/affiliate_sessions.py): whom an
    affiliate-side route's owner answers for."""
    return [{"orgId": str(m.org_id), "affiliateId": str(m.affiliate_id),
             "programId": str(m.program_id), "status": m.status, "orgName": m.org_name,
             "orgHandle": m.org_handle} for m in affiliate.memberships]


async def build_payload(request: web.Request, route: Route,
                        principal: Principal | AffiliatePrincipal | None) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if isinstance(principal, AffiliatePrincipal):
        payload["memberships"] = memberships_of(principal)
    elif principal is not None:
        payload["orgId"] = str(principal.org_id)
    for url_name, message_field in route.path_params.items():
        raw = url_name in route.raw_path_params
        payload[message_field] = request.match_info[url_name] if raw else path_id(request,
                                                                                   url_name)
    if route.query is not None:
        payload.update(parse_query(request, route.query))
    if route.body is not None:
        payload["data"] = await parse_body(request, route.body)
    if route.mutating:
        payload["actor"] = actor_of(request, principal)
    return payload


def forwarding_view(route: Route) -> View:
    async def view(request: web.Request) -> web.StreamResponse:
        caller: Principal | AffiliatePrincipal | None = None
        if route.auth is Auth.AFFILIATE_JWT:
            caller = request[AFFILIATE]  # no org and no gates: the owner scopes to the person
        elif not route.public:
            caller = request[PRINCIPAL]
            enforce_gates(route, caller)
        key = requested_key(request, route)
        payload = await build_payload(request, route, caller)
        if key is None:
            return await answer(request, route, payload)
        # Idempotent routes are never public nor affiliate-side (route_table.py).
        assert isinstance(caller, Principal)
        return await run_once(request, route, caller.org_id, key,
                              lambda: answer(request, route, payload))

    view.rekomi_route = route  # type: ignore[attr-defined]
    return view


async def answer(request: web.Request, route: Route, payload: dict[str, Any]
                 ) -> web.StreamResponse:
    """Run the route: its local view, or the owner's RPC."""
    if route.local is not None:
        result = await route.local(request, payload)
        if isinstance(result, web.StreamResponse):  # a local view that answers itself
            return result
    else:
        assert route.rpc is not None  # a route without a local view forwards
        result = await route.rpc.call(request.app[BUS], payload, timeout=route.rpc_timeout)
    if route.status == 204:
        return web.Response(status=204)
    return json_response(as_json(result) if isinstance(result, BaseModel) else result,
                         route.status)
