"""S2S sales and leads at the edge: the HMAC is checked on the raw body before any JSON
parsing, with the org's signing secret (the gateway owns it; after a rotation the previous one
too, for its overlap), then tracking accepts and attributes the event and answers once it is
durable; the ledger books it from the bus. The browser's lead signup answers an opaque 200
whatever happens."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from libs.contracts.common import as_json
from libs.contracts.s2s import (
    ACCEPT_LEAD,
    ACCEPT_SALE,
    ACCEPT_SIGNUP,
    ORG_OF_SLUG,
    Accepted,
    S2SLead,
    S2SSale,
    SignupLead,
)
from libs.shared.bus_rpc import INGEST_LINGER_SECONDS, INGEST_MAX_LINGER_SECONDS
from libs.shared.errors import NotFound, RekomiError
from services.gateway.domain import access, signatures
from services.gateway.domain.errors import PayloadTooLarge
from services.gateway.domain.principal import Principal
from services.gateway.entrypoints.http.errors import json_response
from services.gateway.entrypoints.http.keys import BUS, PRINCIPAL, PRINCIPALS
from services.gateway.entrypoints.http.parsing import JSON_ONLY, parse_body

log = logging.getLogger(__name__)
OPAQUE = as_json(Accepted(ok=True))
# The loader posts cross-origin from the brand's pages (the preflight is the tracking routes').
CORS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"}
# The loader's beacon labels its JSON text/plain: a "simple" request, without a preflight.
BEACON = JSON_ONLY | {"text/plain"}


async def org_row(request: web.Request, org_id: Any) -> Any:
    org = await request.app[PRINCIPALS].org(org_id)
    if org is None:  # the key outlived its org
        raise NotFound("organization not found")
    return org


async def _verified(request: web.Request, model: type[BaseModel]) -> tuple[Any, dict[str, Any]]:
    principal: Principal = request[PRINCIPAL]
    org = await org_row(request, principal.org_id)
    # Opened once per cache load (adapters/principal_cache.py), not per request.
    secrets = await request.app[PRINCIPALS].signing_secrets(principal.org_id)
    if secrets is None:
        raise NotFound("organization not found")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise PayloadTooLarge("request body is too large") from None
    now = time.time()
    signatures.verify_any(secrets.verifying(datetime.fromtimestamp(now, UTC)),
                          request.headers.get(signatures.HEADER), raw, now)
    access.require_s2s(principal)
    return org, await parse_body(request, model)


async def signed_sale(request: web.Request, payload: dict[str, Any]) -> Any:
    org, payload["data"] = await _verified(request, S2SSale)
    payload["payoutGraceDays"] = org["payout_grace_days"]
    return await ACCEPT_SALE.call(request.app[BUS], payload, linger=INGEST_LINGER_SECONDS,
                                  max_linger=INGEST_MAX_LINGER_SECONDS)


async def signed_lead(request: web.Request, payload: dict[str, Any]) -> Any:
    org, payload["data"] = await _verified(request, S2SLead)
    return await accept_lead(request, org, payload)


async def accept_lead(request: web.Request, org: Any, payload: dict[str, Any]) -> Any:
    """Tracking's ``leads.accept`` in the org's home currency with its grace days: the signed
    lead's, and the MCP ``record_lead`` tool's (the same call, authenticated by its key)."""
    payload["homeCurrency"] = org["home_currency"]
    payload["payoutGraceDays"] = org["payout_grace_days"]
    return await ACCEPT_LEAD.call(request.app[BUS], payload, linger=INGEST_LINGER_SECONDS,
                                  max_linger=INGEST_MAX_LINGER_SECONDS)


async def signup_lead(request: web.Request, payload: dict[str, Any]) -> web.Response:
    """Resolve the slug's org in the ledger, then book the lead in the org's home currency."""
    try:
        data = await parse_body(request, SignupLead, BEACON)
        bus = request.app[BUS]
        found = await ORG_OF_SLUG.call(bus, {"slug": data["slug"]})
        if found.get("orgId"):
            org = await org_row(request, uuid.UUID(found["orgId"]))
            await ACCEPT_SIGNUP.call(bus, {
                "orgId": found["orgId"], "homeCurrency": org["home_currency"],
                "payoutGraceDays": org["payout_grace_days"], "data": data})
    except RekomiError as exc:  # never tell the browser (or an enumerator) what happened
        log.info("lead signup not recorded: %s", exc.code)
    response = json_response(OPAQUE)
    response.headers.update(CORS)
    return response
