"""Tracking: attribution-param settings, the browser loader and click beacons, short links and
the install snippet. Owned by the tracking service."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from libs.contracts import attribution as attr
from libs.contracts import tracking as c
from services.gateway.domain.plans import Tier
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http import tracking_views as views
from services.gateway.entrypoints.http.route_table import Route

SETTINGS = "/api/v1/settings/attribution-params"
PATCH_NOTE = (
    "`custom` is a comma-separated list (`null` or `\"\"` clears it). 400 "
    "`attribution_params_too_long` (over 256 characters), `too_many_attribution_params` (over "
    "10 entries), `invalid_attribution_param` (an entry outside `[a-z0-9_-]{2,32}`; the "
    "rejected entries are listed in `invalid`). Audited as `org.attribution_params_changed` "
    "with before/after when the value changes. The Owner role applies to dashboard users "
    "only; API keys pass.")


async def _defaults(_request: web.Request, _payload: dict[str, Any]
                    ) -> attr.AttributionDefaults:
    return attr.defaults()


TRACKING_ROUTES: list[Route] = [
    Route("GET", f"{SETTINGS}/defaults", None,
          "The default attribution params", "Tracking", public=True,
          response=attr.AttributionDefaults, local=_defaults, operation="attribution.defaults",
          description="Public; rate-limited per client address."),
    Route("GET", SETTINGS, attr.GET_ATTRIBUTION_PARAMS, "Get the attribution params",
          "Tracking", plan=Tier.Starter, role=Role.Viewer,
          description="`effectiveOrder`: custom params first, then the 16 defaults."),
    Route("PATCH", SETTINGS, attr.UPDATE_ATTRIBUTION_PARAMS, "Set custom attribution params",
          "Tracking", plan=Tier.Starter, body=attr.AttributionParamsBody, audited=True,
          role=Role.Owner, email_verified=True,
          description=PATCH_NOTE),
]

R = "/api/v1/r"
CLICK_NOTE = (
    "Public, CORS, rate-limited per client address. The server picks the referral param from "
    "`landingUrl` by the org's effective order (or uses `slug`), classifies the device from "
    "the User-Agent (bots are stored flagged and never counted), takes the country from "
    "`CF-IPCountry`/`X-Country`, and decides FirstTouch/LastTouch from `cookie`. The answer's "
    "`cookie` is what the loader stores for `maxAgeSeconds`. Clicks are written in batches "
    "(bounded loss: at most one flush interval on a crash). 404 `link_not_found`.")
BROWSER_ROUTES: list[Route] = [
    Route("GET", f"{R}/loader.js", c.LOADER_SCRIPT, "The tracking loader",
          "Tracking", public=True, local=views.loader, media_type="application/javascript",
          description="JavaScript, no dependencies; `Cache-Control: public, max-age=3600`."),
    Route("GET", f"{R}/c.gif", c.RECORD_CLICK, "No-JS click pixel", "Tracking",
          public=True, local=views.gif, media_type="image/gif", operation="clicks.pixel",
          description="A 1x1 GIF, always. The visit is read from `url` or the Referer plus "
                      "the pixel's own query params."),
    Route("POST", f"{R}/click", c.RECORD_CLICK, "Record a click", "Tracking",
          public=True, body=c.ClickBody, local=views.click,
          description=CLICK_NOTE),
    Route("OPTIONS", f"{R}/click", None, "CORS preflight", "Tracking",
          public=True, local=views.preflight, operation="cors", status=204),
    Route("GET", "/r/{slug}", c.REDIRECT_SHORT_LINK, "Short-link redirect", "Tracking",
          public=True, local=views.redirect, raw_path_params=frozenset({"slug"}),
          status=302, media_type="",
          description="302 to the org's landing URL with `?via=<slug>` after recording the "
                      "click. 404 `link_not_found`; 404 `landing_url_not_configured`."),
    Route("GET", f"{R}/install-snippet", c.RENDER_SNIPPET, "Install snippet",
          "Tracking", plan=Tier.Starter, query=c.SnippetQuery, role=Role.Viewer,
          description="404 `no_program_found`; 409 `pixel_not_provisioned` for "
                      "`withPixel=true` (pixel keys are not provisioned yet)."),
    Route("GET", "/api/v1/settings/tracking", c.GET_TRACKING_SETTINGS,
          "Get tracking settings", "Tracking", plan=Tier.Starter, role=Role.Viewer),
    Route("PATCH", "/api/v1/settings/tracking", c.UPDATE_TRACKING_SETTINGS,
          "Set tracking settings", "Tracking", plan=Tier.Starter, body=c.TrackingSettingsBody,
          audited=True, role=Role.Owner,
          description="`landingUrl`: where short links (`/r/{slug}`) send visitors; null "
                      "clears it. Audited as `org.tracking_settings_changed`."),
]
TRACKING_ROUTES += BROWSER_ROUTES
