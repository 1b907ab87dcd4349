"""Tools for webhooks, settings, the organization and billing state, embed tokens, leads and
the install assistant."""

from __future__ import annotations

from services.gateway.mcp.install_assistant import RecommendInstallTool
from services.gateway.mcp.lead_tool import RecordLeadTool
from services.gateway.mcp.route_lookup import route
from services.gateway.mcp.route_tools import RouteTool
from services.gateway.mcp.server import Tool

ENDPOINT_ID = {"id": "The webhook endpoint's id (from list_webhook_endpoints)."}

ORG_TOOLS: list[Tool] = [
    RouteTool("list_webhook_endpoints", route("GET", "/api/v1/webhooks"),
              "The org's webhook endpoints (url, events, isActive, disabledAt), oldest first, "
              "a page at a time (`take`, `cursor`: pass the answer's nextCursor for the next "
              "page). Signing secrets are never listed. Use it to see where events go before "
              "creating an endpoint or reading its deliveries."),
    RouteTool("create_webhook_endpoint", route("POST", "/api/v1/webhooks"),
              "Registers an https URL to receive events (`events`: event types, or [\"*\"] "
              "for all). The answer carries the signing `secret` (whsec_...), shown only "
              "here: hand it to the user to verify X-Rekomi-Signature. A private, loopback or "
              "link-local URL is validation_failed (field url). Audit-logged "
              "(webhook.created, actorType mcp)."),
    RouteTool("list_webhook_deliveries", route("GET", "/api/v1/webhooks/{id}/deliveries"),
              "An endpoint's delivery log, newest first: each delivery's event type, status, "
              "attempts, last status code and error, and next attempt. Filter by `status` "
              "and `eventType`; page with `take` and `cursor`. Use it to "
              "debug why a receiver is not getting events. 404 for an unknown endpoint.",
              path_descriptions=ENDPOINT_ID),
    RouteTool("get_tracking_settings", route("GET", "/api/v1/settings/tracking"),
              "Returns `{landingUrl}`: where affiliates' short links (/r/{slug}) send "
              "visitors; null means short links answer 404 landing_url_not_configured."),
    RouteTool("get_organization", route("GET", "/api/organizations/me"),
              "The calling org's profile: name, slug (its handle), billing e-mail, timezone, "
              "brand colour, plan tier and subscription status, payout grace days and the "
              "most its plan allows. Read-only (profile changes are dashboard-only)."),
    RouteTool("get_billing_state", route("GET", "/api/billing/state"),
              "Plan tier, subscription status, trial end, Stripe linkage and plan limits "
              "with current usage (`max` null: unlimited). `stripeConnectLinked` true means "
              "checkout webhooks reach Rekomi; false means coupon codes, the browser pixel "
              "or S2S (recommend_install turns this into steps)."),
    RouteTool("create_embed_token", route("POST", "/api/v1/embed/tokens"),
              "Mints the token an iframe shows an affiliate's own dashboard with "
              "(`affiliateId`, `allowedOrigins`: the exact origins allowed to embed it, "
              "`expiresInHours`, `rotate`). A fresh token's plaintext is answered once; a "
              "live token is kept (alreadyExists: true, no plaintext) unless `rotate` is "
              "true. Growth+ only: a lower plan gets plan_tier_required with `required` and "
              "`current`. Audit-logged."),
    RecordLeadTool(),
    RecommendInstallTool(),
]
