"""Affiliates: owned by the ledger."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from libs.contracts import affiliates as c
from libs.contracts import coupon_codes as coupons
from libs.shared.rpc import Rpc
from services.gateway.domain.plans import Tier
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http.keys import BUS, PRINCIPAL
from services.gateway.entrypoints.http.route_table import Route

AFFILIATE_ID = {"id": "affiliateId"}
COUPON_CODE = {"id": "affiliateId", "code": "code"}
A = "/api/v1/affiliates"
OMITTED = ("Responses never include identity, payment or tax fields (ClerkUserId, "
           "StripeConnectAccountId, PaypalEmail, TaxFormStatus, KycStatus). `applicationData` "
           "(the application form's answers) is kept for dashboard sign-in and left out for "
           "API keys.")
LIFECYCLE = ("Lifecycle: Pending -> Approved | Rejected; Approved <-> Paused; any -> Banned. "
             "Other moves (approving a Banned affiliate, rejecting an Approved one) are 409 "
             "`invalid_status_transition`; repeating the current status is a no-op. Banning "
             "denies the affiliate's Pending and Approved conversions (and the sub-affiliate "
             "overrides that go with them); Paid ones stay Paid. Approving into a program whose "
             "`maxAffiliates` seats are all taken is 409 `program_at_capacity`.")
COUPONS = ("Coupon codes (ours, for the reference's `coupon` attribution): the Stripe and "
           "Paddle ingestion credits a payment that redeems an affiliate's code (a promotion "
           "code, coupon id or Paddle discount id) to that affiliate. A code is "
           + coupons.CODE_RULE + ". "
           "Deleting the affiliate frees its codes. Audit-logged (`coupon_code.assigned`, "
           "`coupon_code.removed`); no webhook event.")


def for_dashboard(rpc: Rpc[Any, Any]) -> Callable[[web.Request, dict[str, Any]], Awaitable[Any]]:
    """Forwards with whether the caller is a dashboard operator: the ledger keeps
    ``applicationData`` for them alone."""
    async def forward(request: web.Request, payload: dict[str, Any]) -> Any:
        payload["forDashboard"] = not request[PRINCIPAL].is_api_key
        return await rpc.call(request.app[BUS], payload)

    return forward


def _route(method: str, path: str, rpc: Rpc[Any, Any], summary: str, **kw: Any) -> Route:
    return Route(method, path, rpc, summary, "Affiliates", plan=Tier.Starter,
                 **kw)


AFFILIATE_ROUTES: list[Route] = [
    _route("GET", A, c.LIST_AFFILIATES, "List affiliates", role=Role.Viewer,
           query=c.AffiliateListQuery, local=for_dashboard(c.LIST_AFFILIATES),
           description="Filters `programId`, `status`, `q` (email or name, case-insensitive). "
                       + OMITTED),
    _route("GET", f"{A}/applications", c.LIST_APPLICATIONS, "List pending applications",
           role=Role.Viewer, query=c.ApplicationsQuery,
           local=for_dashboard(c.LIST_APPLICATIONS),
           description="The same list, filtered to `status=Pending`. " + OMITTED),
    _route("POST", f"{A}/bulk-action", c.BULK_AFFILIATE_ACTION, "Approve, pause or delete "
           "up to 200 affiliates", body=c.BulkActionBody, role=Role.Owner,
           description="`affected` < `total` when ids are not in your org or their status "
                       "does not allow the action. An approve that would overfill a program's "
                       "`maxAffiliates` refuses the whole batch: 409 `program_at_capacity`."),
    _route("GET", f"{A}/{{id}}", c.GET_AFFILIATE, "Get an affiliate",
           path_params=AFFILIATE_ID, role=Role.Viewer, local=for_dashboard(c.GET_AFFILIATE),
           description=OMITTED),
    _route("POST", A, c.CREATE_AFFILIATE, "Create an affiliate (admin path)",
           body=c.AffiliateCreate, status=201, role=Role.Manager,
           description="Generates the default tracking link (`customAlias` becomes its slug). "
                       "`status` defaults to Approved. Fires `affiliate.created` (and "
                       "`affiliate.approved`). 409 `affiliate_already_exists` for an email "
                       "already in the program; 409 `program_at_capacity` for an Approved one "
                       "when the program's `maxAffiliates` seats are all taken."),
    _route("PATCH", f"{A}/{{id}}", c.UPDATE_AFFILIATE, "Update an affiliate",
           body=c.AffiliatePatch, path_params=AFFILIATE_ID, role=Role.Manager,
           description="Only the keys sent change. " + LIFECYCLE),
    _route("POST", f"{A}/{{id}}/approve", c.APPROVE_AFFILIATE, "Approve an affiliate",
           body=c.EmptyBody, path_params=AFFILIATE_ID, role=Role.Manager,
           description=LIFECYCLE),
    _route("POST", f"{A}/{{id}}/reject", c.REJECT_AFFILIATE, "Reject an application",
           body=c.RejectBody, path_params=AFFILIATE_ID, role=Role.Manager,
           description=LIFECYCLE),
    _route("POST", f"{A}/{{id}}/coupon-codes", coupons.ASSIGN_COUPON_CODE,
           "Assign a coupon code to an affiliate", body=coupons.CouponCodeBody, status=201,
           path_params=AFFILIATE_ID, role=Role.Manager, audited=True,
           description=COUPONS + " 409 `coupon_code_taken` when the org already has the code "
                                 "(any affiliate, any case); 400 `validation_failed` (field "
                                 "`code`) for another shape."),
    _route("GET", f"{A}/{{id}}/coupon-codes", coupons.LIST_COUPON_CODES,
           "List an affiliate's coupon codes", query=coupons.CouponCodeListQuery,
           path_params=AFFILIATE_ID, role=Role.Viewer,
           description="Cursor-paginated, oldest first. " + COUPONS),
    _route("DELETE", f"{A}/{{id}}/coupon-codes/{{code}}", coupons.REMOVE_COUPON_CODE,
           "Remove a coupon code from an affiliate", status=204, path_params=COUPON_CODE,
           raw_path_params=frozenset({"code"}), role=Role.Manager, audited=True,
           description="`code` matches whatever its case. 404 `coupon_code_not_found` when "
                       "it is not assigned to this affiliate (another affiliate's code "
                       "included). " + COUPONS),
]
