"""Affiliates: owned by the ledger."""

from __future__ import annotations

from libs.contracts import affiliates as c
from services.gateway.domain.plans import Tier
from services.gateway.entrypoints.http.route_table import Route

AFFILIATE_ID = {"id": "affiliateId"}
A = "/api/v1/affiliates"
OMITTED = ("API-key responses never include `applicationData` nor identity, payment or tax "
           "fields (ClerkUserId, StripeConnectAccountId, PaypalEmail, TaxFormStatus, "
           "KycStatus).")
LIFECYCLE = ("Lifecycle: Pending -> Approved | Rejected; Approved <-> Paused; any -> Banned. "
             "Other moves (approving a Banned affiliate, rejecting an Approved one) are 409 "
             "`invalid_status_transition`; repeating the current status is a no-op. Banning "
             "denies the affiliate's Pending and Approved conversions (and the sub-affiliate "
             "overrides that go with them); Paid ones stay Paid.")


def _route(method: str, path: str, rpc: str, summary: str, **kw: object) -> Route:
    return Route(method, path, "ledger", rpc, summary, "Affiliates", plan=Tier.Starter,
                 **kw)  # type: ignore[arg-type]


AFFILIATE_ROUTES: list[Route] = [
    _route("GET", A, "affiliates.list", "List affiliates", query=c.AffiliateListQuery,
           response=c.AffiliateList,
           description="Filters `programId`, `status`, `q` (email or name, case-insensitive). "
                       + OMITTED),
    _route("GET", f"{A}/applications", "affiliates.applications", "List pending applications",
           query=c.ApplicationsQuery, response=c.AffiliateList,
           description="The same list, filtered to `status=Pending`."),
    _route("POST", f"{A}/bulk-action", "affiliates.bulk_action", "Approve, pause or delete "
           "up to 200 affiliates", body=c.BulkActionBody, response=c.BulkActionResult,
           description="`affected` < `total` when ids are not in your org or their status "
                       "does not allow the action."),
    _route("GET", f"{A}/{{id}}", "affiliates.get", "Get an affiliate",
           response=c.AffiliateResponse, path_params=AFFILIATE_ID, description=OMITTED),
    _route("POST", A, "affiliates.create", "Create an affiliate (admin path)",
           body=c.AffiliateCreate, response=c.AffiliateResponse, status=201,
           description="Generates the default tracking link (`customAlias` becomes its slug). "
                       "`status` defaults to Approved. Fires `affiliate.created` (and "
                       "`affiliate.approved`). 409 `affiliate_already_exists` for an email "
                       "already in the program."),
    _route("PATCH", f"{A}/{{id}}", "affiliates.update", "Update an affiliate",
           body=c.AffiliatePatch, response=c.AffiliateResponse, path_params=AFFILIATE_ID,
           description="Only the keys sent change. " + LIFECYCLE),
    _route("POST", f"{A}/{{id}}/approve", "affiliates.approve", "Approve an affiliate",
           body=c.EmptyBody, response=c.AffiliateResponse, path_params=AFFILIATE_ID,
           description=LIFECYCLE),
    _route("POST", f"{A}/{{id}}/reject", "affiliates.reject", "Reject an application",
           body=c.RejectBody, response=c.AffiliateResponse, path_params=AFFILIATE_ID,
           description=LIFECYCLE),
]
