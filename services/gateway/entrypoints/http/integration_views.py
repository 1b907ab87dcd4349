"""Stripe and Paddle at the edge: the brand's connection calls (the gateway adds the org's
handle, which names its public endpoint) and the providers' webhook calls, whose raw body is
forwarded untouched, with the signature header, to tracking, which owns the secrets, verifies
and stores the event before the 2xx."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from libs.contracts import integrations as i
from libs.shared.bus_rpc import INGEST_LINGER_SECONDS, INGEST_MAX_LINGER_SECONDS
from libs.shared.errors import NotFound, ValidationFailed
from libs.shared.rpc import Rpc
from services.gateway.domain.errors import PayloadTooLarge
from services.gateway.entrypoints.http.keys import BUS, PRINCIPAL, PRINCIPALS

LocalView = Callable[[web.Request, dict[str, Any]], Awaitable[Any]]


async def _scoped(request: web.Request, payload: dict[str, Any], provider: i.Provider
                  ) -> dict[str, Any]:
    org = await request.app[PRINCIPALS].org(request[PRINCIPAL].org_id)
    if org is None:  # the key outlived its org
        raise NotFound("organization not found")
    data = payload.pop("data", {})
    return {**payload, **data, "provider": provider.value, "orgHandle": org["handle"]}


def forward(rpc: Rpc[Any, Any], provider: i.Provider) -> LocalView:
    """A connection call (connect, status, disconnect) for one provider, with the org's
    handle added."""
    async def view(request: web.Request, payload: dict[str, Any]) -> Any:
        return await rpc.call(request.app[BUS], await _scoped(request, payload, provider))
    return view


def receive(provider: i.Provider, header: str) -> LocalView:
    async def view(request: web.Request, payload: dict[str, Any]) -> Any:
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise PayloadTooLarge("request body is too large") from None
        try:
            body = raw.decode("utf-8")  # what the provider signed; byte for byte again later
        except UnicodeDecodeError:
            raise ValidationFailed("the body is not UTF-8 text", code="invalid_provider_event"
                                   ) from None
        # The org's grace days travel with the event, as with an S2S sale; an unknown
        # handle is tracking's to refuse (it has no connection either).
        org = await request.app[PRINCIPALS].org_by_handle(payload["orgHandle"])
        return await i.RECEIVE_PROVIDER_EVENT.call(request.app[BUS], {
            "provider": provider.value, "orgHandle": payload["orgHandle"], "body": body,
            "signature": request.headers.get(header),
            "payoutGraceDays": org["payout_grace_days"] if org else 0},
            linger=INGEST_LINGER_SECONDS, max_linger=INGEST_MAX_LINGER_SECONDS)
    return view
