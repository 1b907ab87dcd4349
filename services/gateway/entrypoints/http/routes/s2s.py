"""S2S sales and leads (HMAC-signed, API key) and the browser's lead signup (public)."""

from __future__ import annotations

from libs.contracts.s2s import S2SLead, S2SSale, SignupLead
from services.gateway.entrypoints.http import s2s_views
from services.gateway.entrypoints.http.route_table import Route

AUTH_NOTE = (
    "Authenticate with `Authorization: Bearer rk_live_...` or `X-Rekomi-Api-Key: rk_live_...`, "
    "and sign: `X-Rekomi-Signature: t=<unix>,sig=<hex>`, HMAC-SHA256 of `<unix>.<raw body>` "
    "under the org's `rks_` signing secret; timestamps more than 5 minutes off are refused "
    "(401 `signature_expired`), a wrong signature is 401 `invalid_signature`. Starter+ or any "
    "trialing org; an org without a subscription gets 402 `plan_tier_required`. ")

S2S_ROUTES: list[Route] = [
    Route("POST", "/api/tracking/s2s", "ledger", "s2s.record", "Record a sale (S2S)",
          "S2S tracking", local=s2s_views.signed_sale, audited=True,
          description=AUTH_NOTE + "Body: " + ", ".join(S2SSale.model_json_schema()["properties"])
          + ". Replies `{ok, conversionId}` once the conversion is committed, or "
          "`{ok, deduped: true}` when the org already recorded this `externalEventId` "
          "(concurrent copies included). 400 `unsupported_currency`; 404 "
          "`affiliate_slug_not_found` when no link of the org has the slug."),
    Route("POST", "/api/tracking/lead", "ledger", "leads.record", "Record a lead (S2S)",
          "S2S tracking", local=s2s_views.signed_lead, audited=True,
          description=AUTH_NOTE + "Body: " + ", ".join(S2SLead.model_json_schema()["properties"])
          + ". Books a LeadReward conversion (0/0 on CPS programs, the program's value on CPL "
          "programs, in the org's home currency) and links the e-mail to the affiliate. "
          "Replies `{ok, conversionId}` or `{ok, deduped: true}` (same externalEventId)."),
    Route("POST", "/api/v1/r/lead/signup", "ledger", "leads.record_signup",
          "Record a browser lead signup", "S2S tracking", public=True,
          local=s2s_views.signup_lead,
          description="Posted by the loader's `Rekomi.convert()`. Body: "
          + ", ".join(SignupLead.model_json_schema()["properties"])
          + ". Always an opaque `200 {ok: true}`, whether or not a lead was recorded."),
]
