"""``recommend_install``: the install assistant. It reads what the routes it stands for read
(the billing state's service code, the tracking settings and the install snippet from their
owner, under those routes' gates) and the org's connected providers, and hands the facts to
``domain/install_paths.py``, which picks the path and writes the text to paste.

The org's coupon codes are not counted: the ledger lists them per affiliate only, and the
coupon path needs a connected provider anyway, which is what decides."""

from __future__ import annotations

import asyncio
from typing import Any

from libs.contracts.common import as_json
from libs.contracts.integrations import CONNECTED_PROVIDERS, ConnectedProviders
from libs.contracts.tracking import GET_TRACKING_SETTINGS, RENDER_SNIPPET
from libs.shared.clock import now_utc
from libs.shared.errors import RekomiError, ValidationFailed
from services.gateway.domain.install_paths import InstallFacts, recommend
from services.gateway.entrypoints.http.keys import BUS, POOL, SETTINGS
from services.gateway.entrypoints.http.s2s_views import org_row
from services.gateway.entrypoints.http.views import enforce_gates
from services.gateway.mcp.calls import McpCall
from services.gateway.mcp.route_lookup import route
from services.gateway.service_layer.billing_state import billing_state

READS = (route("GET", "/api/billing/state"), route("GET", "/api/v1/settings/tracking"),
         route("GET", "/api/v1/r/install-snippet"))
DESCRIPTION = (
    "Install assistant: recommends how this brand should get its conversions to Rekomi, with "
    "the exact text to paste. Use it when a user asks how to install or set up tracking. "
    "Read-only; takes no arguments. It reads the billing state (stripeConnectLinked), the "
    "connected providers, the tracking settings (landingUrl) and the install snippet, and "
    "recommends: `stripe` when Stripe is connected (sales book themselves; the snippet is "
    "the one Checkout Session line, client_reference_id, that credits link referrals), "
    "`paddle` when Paddle is connected (the snippet is the Paddle.js customData line), "
    "otherwise `pixel` (the snippet is the loader <script> tag for every page; leads with "
    "Rekomi.convert, sales via S2S or by connecting Stripe). Returns JSON "
    '`{"recommended": "stripe"|"paddle"|"pixel", "reason": str, "steps": [str], '
    '"snippet": str, "alternatives": [{"path": "stripe"|"paddle"|"coupon"|"pixel"|"s2s", '
    '"when": str, "snippet": str}]}`: each alternative carries its own snippet (the curl '
    "that connects Stripe or Paddle, assigns a coupon code, or posts a signed S2S sale, or "
    "the loader tag). `snippet` is empty while the org has no live program (the first step "
    "says to create one). Needs Starter+ or a trial, like the snippet (plan_tier_required).")


class RecommendInstallTool:
    name = "recommend_install"
    read_only = True
    full_description = DESCRIPTION

    def input_schema(self) -> dict[str, Any]:
        return {"type": "object", "properties": {}, "additionalProperties": False}

    async def run(self, call: McpCall, arguments: dict[str, Any]) -> Any:
        if arguments:
            raise ValidationFailed("recommend_install takes no arguments",
                                   field=sorted(arguments)[0])
        for read in READS:
            enforce_gates(read, call.principal)
        return as_json(recommend(await _facts(call)))


async def _facts(call: McpCall) -> InstallFacts:
    app, org_id = call.request.app, call.principal.org_id
    asked = {"orgId": str(org_id)}
    billing, providers, settings, snippet = await asyncio.gather(
        billing_state(app[POOL], app[BUS], org_id, now_utc()),
        CONNECTED_PROVIDERS.call(app[BUS], asked), GET_TRACKING_SETTINGS.call(app[BUS], asked),
        _snippet(call, asked))
    org = await org_row(call.request, org_id)
    return InstallFacts(
        base_url=app[SETTINGS].public_base_url, org_handle=org["handle"],
        home_currency=org["home_currency"], stripe_connected=billing.stripe_connect_linked,
        paddle_connected=ConnectedProviders.model_validate(providers).paddle,
        loader_snippet=snippet, landing_url=settings["landingUrl"])


async def _snippet(call: McpCall, asked: dict[str, Any]) -> str | None:
    try:
        rendered = await RENDER_SNIPPET.call(call.request.app[BUS], asked)
    except RekomiError as exc:
        if exc.code != "no_program_found":
            raise
        return None
    return str(rendered["snippet"])
