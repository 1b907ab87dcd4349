"""The public storefront (no API key, limited per client address), sub-affiliate recruiting
(brand side) and tax forms: owned by the ledger, some resolved here first."""

from __future__ import annotations

from typing import Any

from libs.contracts import storefront as sf
from libs.contracts import subaffiliates as sub
from libs.contracts import tax_forms as tax
from libs.shared.rpc import Rpc
from services.gateway.domain.plans import PRO_OR_TRIAL, Tier
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http import storefront_views as views
from services.gateway.entrypoints.http.route_table import Route

P = "/api/p"
ID = {"id": "affiliateId"}
PROGRAM = {"id": "programId"}
PRIMARY = ("Without `{campaign}` the org's primary campaign is served: its oldest program that "
           "is active and not archived. ")
NOT_FOUND = "404 `program_not_found` for an unknown handle, or an inactive or archived campaign."
APPLY = (
    "Every field but `email` is optional. `customAlias` becomes the default link slug: "
    "`[a-z0-9-]{3,64}`, no leading or trailing `-`, not a reserved word (400), free across "
    "Rekomi (409 `alias_already_taken`). With `autoApprove` the affiliate is Approved at once "
    "(`affiliate.created` then `affiliate.approved`); otherwise Pending "
    "(`affiliateLinkSlug: null`). An email that already applied to the program gets 200 "
    "`{\"ok\": true, \"message\": \"application_received\"}`: nothing is written, no event "
    "fires, and no id is handed out. 409 `program_at_capacity` when the program's "
    "`maxAffiliates` seats are all taken (for every applicant, whether or not they applied "
    "before, so the reply tells no one who did). `recruitedByAffiliateId` is kept only when it "
    "names an Approved affiliate of the same org other than the applicant; otherwise it is "
    "silently ignored. 404 `program_not_found` for an unknown, inactive or archived program.")


def _public(method: str, path: str, rpc: Rpc[Any, Any], summary: str, **kw: Any) -> Route:
    return Route(method, path, rpc, summary, "Storefront", public=True, **kw)


STOREFRONT_ROUTES: list[Route] = [
    _public("GET", f"{P}/by-handle/{{handle}}", sf.PROGRAM_BY_HANDLE,
            "Primary campaign of an org", response=sf.StorefrontProgram, local=views.by_handle,
            operation="storefront.by_handle",
            raw_path_params=frozenset({"handle"}), description=PRIMARY + NOT_FOUND),
    _public("GET", f"{P}/by-handle/{{handle}}/{{campaign}}", sf.PROGRAM_BY_HANDLE,
            "A campaign of an org by slug", response=sf.StorefrontProgram,
            operation="storefront.by_handle_and_campaign",
            local=views.by_handle, raw_path_params=frozenset({"handle", "campaign"}),
            description=NOT_FOUND),
    _public("GET", f"{P}/by-domain", sf.PROGRAM_BY_DOMAIN, "Resolve a custom domain",
            query=sf.DomainQuery, response=sf.DomainResult, local=views.by_domain,
            description="Only verified custom domains of live, active programs; `slug` is the "
                        "campaign served there. 404 `program_not_found` otherwise."),
    _public("POST", f"{P}/id/{{programId}}/apply", sf.APPLY,
            "Apply to a program", body=sf.ApplyBody,
            path_params={"programId": "programId"}, rate_policy="strict_write", audited=True,
            description=APPLY),
    _public("GET", f"{P}/files/{{token}}", tax.FETCH_FILE, "Download a signed file",
            query=tax.FileQuery, local=views.signed_file, raw_path_params=frozenset({"token"}),
            media_type="*/*",
            description="Serves the file behind a `signedUrl` once (the reference: single-use), "
                        "until `exp`. 403 `signed_url_invalid` or `signed_url_expired`; 410 "
                        "`signed_url_used` once the link has served its file (of concurrent "
                        "uses exactly one gets it)."),
    Route("GET", "/api/v1/programs/{id}/sub-affiliate-config", sub.GET_SUB_AFFILIATE_CONFIG,
          "Get a program's sub-affiliate config", "Sub-affiliates", plan=Tier.Starter,
          path_params=PROGRAM, role=Role.Viewer),
    Route("PUT", "/api/v1/programs/{id}/sub-affiliate-config", sub.PUT_SUB_AFFILIATE_CONFIG,
          "Set a program's sub-affiliate config", "Sub-affiliates", plan=PRO_OR_TRIAL,
          body=sub.SubAffiliateConfigBody, path_params=PROGRAM, audited=True,
          role=Role.Owner, email_verified=True,
          description="Pro plan or any trial (402 only below Pro and not trialing). "
                      "`percent` 0..100 (else 400 `unsupported_value`). Audited as "
                      "`program.sub_affiliate_config_changed` with before/after when it "
                      "changes. 409 `program_archived`."),
    Route("GET", "/api/v1/affiliates/{id}/sub-affiliates", sub.LIST_SUB_AFFILIATES,
          "An affiliate's recruits", "Sub-affiliates", plan=Tier.Starter, path_params=ID,
          local=views.sub_affiliates, role=Role.Viewer,
          description="A flat array, oldest first. `totalCommissionCents`: what the recruit's "
                      "own conversions earned; `overrideEarnedCents`: the affiliate's "
                      "overrides on them. Refunded and Denied rows count for nothing; both "
                      "are in `currency`, the org's home currency (each day's amounts "
                      "converted at that day's rate)."),
    Route("GET", "/api/v1/affiliates/{id}/tax-form", tax.GET_TAX_FORM,
          "A signed link to an affiliate's tax form", "Affiliates", plan=Tier.Starter,
          path_params=ID, local=views.tax_form, audited=True, role=Role.Owner,
          description="The latest W-9 / W-8BEN; `signedUrl` serves it once, within "
                      "`expiresInSeconds` (300); each read hands out a new link. Every read is "
                      "audited (`affiliate.tax_form_viewed`). 404 `tax_form_not_found` when "
                      "none was submitted."),
]
