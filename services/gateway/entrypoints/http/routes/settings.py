"""Org settings the gateway owns (the home currency), served locally. The tracking settings
under /api/v1/settings/ are the tracking service's (routes/tracking.py)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from libs.contracts.common import Actor
from libs.contracts.fx import HomeCurrencyBody, HomeCurrencyChange, HomeCurrencySettings
from services.gateway.domain import access
from services.gateway.domain.plans import Tier
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http.keys import POOL, PRINCIPAL
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.service_layer.home_currency import change_home_currency, get_home_currency

HOME_CURRENCY = "/api/v1/settings/home-currency"
CHANGE_PLAN = Tier.Pro
PUT_NOTE = (
    "Idempotent: the current value again answers `changed: false` and writes nothing. A change "
    "is audited as `org.home_currency_changed` (before/after). Stored amounts keep their own "
    "currency; only dashboards normalize on read. 400 `unsupported_currency` (field "
    "`homeCurrency`); 402 `plan_tier_required` below Pro for API keys (dashboard users bypass "
    "plan gates). Dashboard users need the Owner role and a verified e-mail; API keys pass.")


async def _get(request: web.Request, _payload: dict[str, Any]) -> HomeCurrencySettings:
    principal = request[PRINCIPAL]
    can_change = access.passes_plan(principal, CHANGE_PLAN)  # the PUT's own gate
    return await get_home_currency(request.app[POOL], principal.org_id, can_change=can_change)


async def _put(request: web.Request, payload: dict[str, Any]) -> HomeCurrencyChange:
    body = HomeCurrencyBody.model_validate(payload["data"])
    return await change_home_currency(request.app[POOL], request[PRINCIPAL].org_id,
                                      body.home_currency, Actor.model_validate(payload["actor"]))


SETTINGS_ROUTES: list[Route] = [
    Route("GET", HOME_CURRENCY, None, "Get the home currency",
          "Settings", plan=Tier.Starter, response=HomeCurrencySettings, local=_get,
          role=Role.Viewer,
          operation="settings.home_currency",
          description="`supportedCurrencies` is the ISO 4217 allowlist; `canChange` says "
                      "whether the org's plan permits a change (Pro)."),
    Route("PUT", HOME_CURRENCY, None,
          "Change the home currency", "Settings", plan=CHANGE_PLAN, body=HomeCurrencyBody,
          role=Role.Owner, email_verified=True,
          response=HomeCurrencyChange, audited=True, local=_put, description=PUT_NOTE,
          operation="settings.set_home_currency"),
]
