"""One view per route, built from the route table: gate, parse, forward, answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from libs.contracts.common import ActorType, as_json
from services.gateway.domain import access
from services.gateway.domain.principal import Principal
from services.gateway.domain.scopes import required_scope
from services.gateway.entrypoints.http.errors import json_response
from services.gateway.entrypoints.http.idempotency import requested_key, run_once
from services.gateway.entrypoints.http.keys import BUS, PRINCIPAL
from services.gateway.entrypoints.http.parsing import parse_body, parse_query, path_id
from services.gateway.entrypoints.http.route_table import Route

View = Callable[[web.Request], Awaitable[web.StreamResponse]]


def enforce_gates(route: Route, principal: Principal) -> None:
    access.require(principal, scope=required_scope(route.method, route.scope), plan=route.plan)


def actor_of(request: web.Request, principal: Principal | None) -> dict[str, Any]:
    """API keys act as ``api_key``; an anonymous caller of a public route (an applicant, an
    invitee) as ``user`` without an id. The dict is ``Actor``'s JSON dump, built directly:
    every write (each S2S sale) carries one, and the model round trip cost more than the rest
    of the view."""
    return {"type": (ActorType.api_key if principal else ActorType.user).value,
            "keyId": str(principal.key_id) if principal else None, "userId": None,
            "ip": request.remote, "userAgent": request.headers.get("User-Agent")}


async def build_payload(request: web.Request, route: Route, principal: Principal | None
                        ) -> dict[str, Any]:
    payload: dict[str, Any] = {"orgId": str(principal.org_id)} if principal else {}
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
        principal: Principal | None = None
        if not route.public:
            principal = request[PRINCIPAL]
            enforce_gates(route, principal)
        key = requested_key(request, route)
        payload = await build_payload(request, route, principal)
        if key is None:
            return await answer(request, route, payload)
        assert principal is not None  # idempotent routes are never public
        return await run_once(request, route, principal.org_id, key,
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
