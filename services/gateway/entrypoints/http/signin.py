"""Which credential a request carries and what it proves, by the route's ``auth``:

- an API key (``rk_live_...``) on a route that takes keys: the key's principal, as always;
- a JWT (three dot-separated parts) on a route that takes brand operators: the operator's
  principal (``service_layer/sessions.py``), or on an affiliate-side route the affiliate's;
- anything else: 401 for what cannot be verified, 403 (empty body) for a valid credential of
  a kind the route does not take (an API key on a dashboard-only route).

The API-key path stays what it was: one shape test more before the cached key lookup, and a
dict store after it (the key's last use, flushed in batches: adapters/key_usage.py)."""

from __future__ import annotations

from aiohttp import web

from services.gateway.domain.errors import Forbidden, Unauthorized
from services.gateway.domain.principal import AffiliatePrincipal, Principal
from services.gateway.domain.roles import Auth
from services.gateway.entrypoints.http.keys import KEY_USAGE, PRINCIPALS, SESSIONS
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.service_layer.authenticate import authenticate, bearer_token


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and not token.startswith("rk_")


async def caller_of(request: web.Request, route: Route, header: str | None
                    ) -> Principal | AffiliatePrincipal:
    token = bearer_token(header) if route.auth is not Auth.API_KEY_ONLY else None
    if token is None or not looks_like_jwt(token):
        principal = await authenticate(header, request.app[PRINCIPALS])
        assert principal.key_id is not None  # an API key's principal
        request.app[KEY_USAGE].touch(principal.key_id)
        if not route.auth.takes_api_key:
            raise Forbidden("this route is for signed-in dashboard users, not API keys")
        return principal
    sessions = request.app.get(SESSIONS)
    if sessions is None:
        raise Unauthorized("dashboard sign-in is not configured here: use an API key")
    if route.auth is Auth.AFFILIATE_JWT:
        return await sessions.affiliate(token)
    return await sessions.operator(token)
