"""Every public API route: one module per resource family, joined here into one flat table."""

from __future__ import annotations

from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.routes.affiliates import AFFILIATE_ROUTES
from services.gateway.entrypoints.http.routes.api_keys import API_KEY_ROUTES
from services.gateway.entrypoints.http.routes.audit_log import AUDIT_LOG_ROUTES
from services.gateway.entrypoints.http.routes.conversions import CONVERSION_ROUTES
from services.gateway.entrypoints.http.routes.dashboard import DASHBOARD_ROUTES
from services.gateway.entrypoints.http.routes.embed import EMBED_ROUTES
from services.gateway.entrypoints.http.routes.embed_widget import EMBED_WIDGET_ROUTES
from services.gateway.entrypoints.http.routes.imports import IMPORT_ROUTES
from services.gateway.entrypoints.http.routes.integrations import INTEGRATION_ROUTES
from services.gateway.entrypoints.http.routes.invites import INVITE_ROUTES
from services.gateway.entrypoints.http.routes.me import ME_ROUTES
from services.gateway.entrypoints.http.routes.organization import ORGANIZATION_ROUTES
from services.gateway.entrypoints.http.routes.payouts import PAYOUT_ROUTES
from services.gateway.entrypoints.http.routes.programs import PROGRAM_ROUTES
from services.gateway.entrypoints.http.routes.s2s import S2S_ROUTES
from services.gateway.entrypoints.http.routes.settings import SETTINGS_ROUTES
from services.gateway.entrypoints.http.routes.signing_secret import SIGNING_SECRET_ROUTES
from services.gateway.entrypoints.http.routes.storefront import STOREFRONT_ROUTES
from services.gateway.entrypoints.http.routes.tracking import TRACKING_ROUTES
from services.gateway.entrypoints.http.routes.webhooks import WEBHOOK_ROUTES

ROUTES: list[Route] = [
    *PROGRAM_ROUTES,
    *IMPORT_ROUTES,
    *AFFILIATE_ROUTES,
    *STOREFRONT_ROUTES,
    *AUDIT_LOG_ROUTES,
    *WEBHOOK_ROUTES,
    *INVITE_ROUTES,
    *TRACKING_ROUTES,
    *CONVERSION_ROUTES,
    *S2S_ROUTES,
    *SIGNING_SECRET_ROUTES,
    *SETTINGS_ROUTES,
    *PAYOUT_ROUTES,
    *DASHBOARD_ROUTES,
    *ORGANIZATION_ROUTES,
    *ME_ROUTES,
    *EMBED_ROUTES,
    *EMBED_WIDGET_ROUTES,
    *API_KEY_ROUTES,
    *INTEGRATION_ROUTES,
]
