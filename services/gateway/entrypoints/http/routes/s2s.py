"""S2S sales and leads (HMAC-signed, API key) and the browser's lead signup (public)."""

from __future__ import annotations

from libs.contracts.s2s import (
    ACCEPT_LEAD,
    ACCEPT_SALE,
    Accepted,
    S2SLead,
    S2SSale,
    SignupLead,
)
from services.gateway.domain.roles import Auth
from services.gateway.entrypoints.http import s2s_views
from services.gateway.entrypoints.http.route_table import Route

AUTH_NOTE = (
    "Authenticate with `Authorization: Bearer rk_live_...` or `X-Rekomi-Api-Key: rk_live_...`, "
    "and sign: `X-Rekomi-Signature: t=<unix>,sig=<hex>`, HMAC-SHA256 of `<unix>.<raw body>` "
    "under the org's `rks_` signing secret; timestamps more than 5 minutes off are refused "
    "(401 `signature_expired`), a wrong signature is 401 `invalid_signature`. Starter+ or any "
    "trialing org; an org without a subscription gets 402 `plan_tier_required`. A body "
    "without `Content-Type: application/json` is 415 `unsupported_media_type`. ")

S2S_ROUTES: list[Route] = [
    Route("POST", "/api/tracking/s2s", ACCEPT_SALE, "Record a sale (S2S)",
          "S2S tracking", local=s2s_views.signed_sale,
          auth=Auth.API_KEY_ONLY,
          description=AUTH_NOTE + "Body: " + ", ".join(S2SSale.model_json_schema()["properties"])
          + ". Replies `{ok, conversionId}` once the sale is durably accepted (the ledger books "
          "the conversion under that id from the bus, within moments), or `{ok, deduped: true, "
          "conversionId}` when the org already recorded this `externalEventId` (concurrent "
          "copies included), with the id the first copy was accepted under (so a retry after a "
          "timeout learns it). "
          "The affiliate: the first sale of the same `subscriptionId` (renewals), else "
          "`affiliateSlug`, else the first lead with `customerEmail` (email match). "
          "`eventType: refund` with `refundOf: <the sale's externalEventId>` refunds a sale "
          "(answer: the refunded conversion's id). 400 `unsupported_currency`; 404 "
          "`affiliate_slug_not_found` when no approved affiliate of the org has the slug, "
          "`attribution_not_found` when nothing credits a slug-less sale, `sale_not_found` "
          "for a refund of an unknown sale."),
    Route("POST", "/api/tracking/lead", ACCEPT_LEAD, "Record a lead (S2S)",
          "S2S tracking", local=s2s_views.signed_lead,
          auth=Auth.API_KEY_ONLY,
          description=AUTH_NOTE + "Body: " + ", ".join(S2SLead.model_json_schema()["properties"])
          + ". Books a LeadReward conversion (0/0 on CPS programs, the program's value on CPL "
          "programs, in the org's home currency) and links the e-mail to the affiliate. "
          "Replies `{ok, conversionId}`, or `{ok, deduped: true, conversionId}` with the first "
          "lead's id when the `externalEventId`, or the e-mail in this program, was recorded "
          "already."),
    Route("POST", "/api/v1/r/lead/signup", None,
          "Record a browser lead signup", "S2S tracking", public=True,
          local=s2s_views.signup_lead, operation="leads.accept_signup", response=Accepted,
          description="Posted by the loader's `Rekomi.convert()`. Body: "
          + ", ".join(SignupLead.model_json_schema()["properties"])
          + ". Always an opaque `200 {ok: true}`, whether or not a lead was recorded."),
]
