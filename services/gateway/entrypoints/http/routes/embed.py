"""Embed (the reference's white-label iframe): per-affiliate tokens, owned by the gateway, and
the public embedded dashboard (gateway, figures from the ledger). Minting needs Growth+ for
API keys and dashboard operators alike (``WHITE_LABEL`` binds both)."""

from __future__ import annotations

from libs.contracts import embed as c
from libs.contracts.affiliates import EmptyBody
from services.gateway.domain.plans import WHITE_LABEL, Tier
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http import embed_views as views
from services.gateway.entrypoints.http.route_table import Route

TAG = "Embed"
TOKENS = "/api/v1/embed/tokens"
DASHBOARD = "/api/embed/public/dashboard"
MINT_NOTE = (
    "Mints the token an iframe reads the affiliate's dashboard with. Growth+ for API keys and "
    "dashboard sign-in alike (402 `plan_tier_required`). `allowedOrigins`: an entry that is "
    "not an origin is 400 `validation_failed` (field `allowedOrigins`, the entry named in "
    "the message). A live (unrevoked, unexpired) token of the affiliate is kept unless "
    "`rotate` is true: the answer is then its metadata with `alreadyExists: true` and no "
    "plaintext. Otherwise a fresh token is answered with its plaintext, shown this once "
    "(only its SHA-256 is kept); a token it replaces (rotated, or expired) stops working at "
    "once on every gateway. 404 `affiliate_not_found` for an affiliate of another org. "
    "Audited as `embed_token.created`, or `embed_token.rotated` with the replaced token "
    "before.")
REVOKE_NOTE = (
    "Growth+ for API keys (402 `plan_tier_required`); dashboard operators may revoke on any "
    "plan, so an org whose plan lapsed can still turn its tokens off. "
    "The token stops working at once on every gateway (the public dashboard answers 401). "
    "Revoking a revoked token again answers the same and changes nothing. 404 "
    "`embed_token_not_found` for an unknown id or another org's. Audited as "
    "`embed_token.revoked`.")
DASHBOARD_NOTE = (
    "Public (no API key), read by the embedding page's browser. 400 without `token`. 401 "
    "with an empty object `{}` for an unknown, revoked or replaced token (or one whose "
    "affiliate was deleted); 401 `token_expired` past its `expiresAt`. 403 "
    "`no_allowed_origins_configured` (the token lists no origin), `origin_required` (no "
    "`Origin` header: server-to-server callers are refused; `Sec-Fetch-Site: same-origin`, "
    "the gateway's own embed page, stands for its public origin), `origin_invalid` (not an "
    "http(s) origin), `origin_not_allowed` (not exactly one of the token's origins). "
    "`Access-Control-Allow-Origin` names the request's origin when the token allows it, on "
    "success and on the failures above; never `*`. Sums are the affiliate's commission in "
    "the org's home currency (`currency`), each day's converted at that day's rate. Rate "
    "limited per client address (300 a minute) and per token (60 a minute): 429 "
    "`rate_limited` with `Retry-After`.")

EMBED_ROUTES: list[Route] = [
    Route("POST", TOKENS, None, "Mint an embed token", TAG, plan=WHITE_LABEL,
          body=c.EmbedTokenBody, response=c.EmbedTokenReply, local=views.create_token,
          role=Role.Manager, audited=True, operation="embed.create_token",
          description=MINT_NOTE),
    # ENDPOINTS.md row 37 gates API keys only: a dashboard Owner or Manager of an org whose
    # plan lapsed can still turn its tokens off.
    Route("POST", f"{TOKENS}/{{id}}/revoke", None, "Revoke an embed token", TAG,
          plan=Tier.Growth, body=EmptyBody, path_params={"id": "tokenId"},
          response=c.EmbedTokenRevoked, local=views.revoke, role=Role.Manager, audited=True,
          operation="embed.revoke_token", description=REVOKE_NOTE),
    Route("GET", DASHBOARD, c.EMBED_FIGURES, "The embedded affiliate dashboard", TAG,
          public=True, rate_policy="embed", query=c.EmbedDashboardQuery,
          response=c.EmbedDashboard, local=views.dashboard, bare_errors=frozenset({401}),
          readable_limits=True, operation="embed.dashboard", description=DASHBOARD_NOTE),
    Route("OPTIONS", DASHBOARD, None, "CORS preflight", TAG, public=True,
          rate_policy="embed", local=views.preflight, status=204, operation="embed.cors",
          description="Allowed (with `Access-Control-Allow-Origin`) exactly when `token` "
                      "names a live token that lists the request's origin."),
]
