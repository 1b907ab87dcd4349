"""Embed routes: minting and revoking tokens (API keys and dashboard operators), and the public
embedded dashboard a browser reads with a token from an allowed origin.

The public view answers every outcome itself, so each carries its CORS headers: the request's
``Origin`` in ``Access-Control-Allow-Origin`` exactly when the token lists it (on success and
on the failures that know the token), never ``*``; ``Vary: Origin`` and ``no-store`` always.
Per client address the route's ``embed`` policy counts every call (middleware); per token, a
call that passed the token and origin checks counts before the ledger is asked."""

from __future__ import annotations

from typing import Any

from aiohttp import hdrs, web

from libs.contracts.common import Actor, as_json
from libs.contracts.embed import (
    EmbedTokenBody,
    EmbedTokenExisting,
    EmbedTokenIssued,
    EmbedTokenRevoked,
)
from libs.shared.clock import now_utc
from libs.shared.errors import RekomiError
from services.gateway.domain.embed import EmbedToken, admit, allows
from services.gateway.domain.embed_frame import caller_origin
from services.gateway.domain.secrets import hash_key
from services.gateway.entrypoints.http.embed_widget_views import own_origin
from services.gateway.entrypoints.http.errors import error_response, json_response
from services.gateway.entrypoints.http.keys import BUS, POOL, PRINCIPAL, PRINCIPALS
from services.gateway.entrypoints.http.middleware import rate_limit
from services.gateway.service_layer.embed_dashboard import embed_dashboard
from services.gateway.service_layer.embed_tokens import issue_token, revoke_token

PREFLIGHT_MAX_AGE = "600"


async def create_token(request: web.Request, payload: dict[str, Any]
                       ) -> EmbedTokenIssued | EmbedTokenExisting:
    issued = await issue_token(request.app[POOL], request.app[BUS], request[PRINCIPAL].org_id,
                               EmbedTokenBody.model_validate(payload["data"]),
                               Actor.model_validate(payload["actor"]), now_utc())
    request.app[PRINCIPALS].changed_here()  # a rotation revoked the previous token
    return issued


async def revoke(request: web.Request, payload: dict[str, Any]) -> EmbedTokenRevoked:
    revoked = await revoke_token(request.app[POOL], request[PRINCIPAL].org_id,
                                 payload["tokenId"], Actor.model_validate(payload["actor"]),
                                 now_utc())
    request.app[PRINCIPALS].changed_here()
    return revoked


async def dashboard(request: web.Request, payload: dict[str, Any]) -> web.StreamResponse:
    origin = caller_origin(request.headers.get(hdrs.ORIGIN),
                           request.headers.get("Sec-Fetch-Site"), own_origin(request))
    token = await request.app[PRINCIPALS].embed_token(hash_key(payload["token"]))
    try:
        admit(token, origin, now_utc())
        assert token is not None  # admitted
        await rate_limit(request, f"embed_token:{token.id}", policy="embed_token")
        body = await embed_dashboard(request.app[PRINCIPALS], request.app[BUS], token)
    except RekomiError as exc:
        response = error_response(exc)
    else:
        response = json_response(as_json(body))
    return _cors(response, token, origin)


async def preflight(request: web.Request, _payload: dict[str, Any]) -> web.StreamResponse:
    """Not needed by the widget (a simple GET), answered all the same: allowed exactly when
    the token in the URL lists the origin."""
    raw = request.query.get("token")
    token = await request.app[PRINCIPALS].embed_token(hash_key(raw)) if raw else None
    response = _cors(web.Response(status=204), token, request.headers.get(hdrs.ORIGIN))
    if hdrs.ACCESS_CONTROL_ALLOW_ORIGIN in response.headers:
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_METHODS] = "GET, HEAD"
        response.headers[hdrs.ACCESS_CONTROL_MAX_AGE] = PREFLIGHT_MAX_AGE
    return response


def _cors(response: web.Response, token: EmbedToken | None, origin: str | None
          ) -> web.Response:
    allowed = allows(token, origin)
    if allowed is not None:
        response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = allowed
    response.headers[hdrs.VARY] = "Origin"
    response.headers[hdrs.CACHE_CONTROL] = "no-store"
    return response
