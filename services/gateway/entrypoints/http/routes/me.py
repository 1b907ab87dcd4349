"""The affiliate portal: routes for affiliates signed in with their own JWT
(``Auth.AFFILIATE_JWT``; API keys and brand operators' tokens get 403 with an empty body).
The gateway sends the owner the caller's memberships (``views.memberships_of``), each with its
org's name and handle, and the owner answers for those memberships only."""

from __future__ import annotations

from typing import Any

from libs.contracts import me, me_payouts
from libs.contracts import my_insights as my
from libs.shared.rpc import Rpc
from services.gateway.domain.roles import Auth
from services.gateway.entrypoints.http.insight_views import UNKNOWN_AND_CSV, insight_view
from services.gateway.entrypoints.http.route_table import Route

TAG = "Affiliate portal"
PORTAL = ("Affiliate portal: an affiliate's own sign-in token with a verified e-mail (403 "
          "`email_not_verified` otherwise); API keys and dashboard tokens get 403. Answers "
          "cover the caller's memberships only (the live affiliates with the token's e-mail, "
          "in every org and program); another affiliate's id or program is 404. ")
MEMBERSHIPS_NOTE = (
    "Each membership oldest first: its org (name, handle), program, status, links (Approved "
    "memberships only: no other status's links track) and balances per currency from its "
    "own commission rows, never converted: `pendingCents` (inside the grace days), "
    "`approvedCents` (in no payout yet), `inPayoutCents` (claimed by a payout not paid yet), "
    "`paidCents`, `clawbackCents` (paid then refunded; the next payout deducts it). Empty "
    "when none.")
LINK_NOTE = (
    "Your personal recruitment URL for a campaign: "
    "`https://{handle}.rekomi.com/{programSlug}?recruited_by={affiliateId}`. 400 "
    "`sub_affiliate_recruiting_disabled` when the campaign has the toggle off; 404 "
    "`program_not_found` when the campaign is not visible to you (no Approved membership in "
    "it, or inactive or archived).")
RECRUITS_NOTE = (
    "Your downline across your memberships (or those in `programId`), oldest first, "
    "cursor-paginated: each recruit's commission generated and what its sales earned you "
    "in overrides, in its org's home currency.")
DETAILS_NOTE = (
    "Where each membership is paid, masked (`acct_****Ab12`, `p***@example.com`, "
    "`****5678`): enough to recognise, never the whole value.")
PUT_DETAILS_NOTE = (
    "Only the keys sent change; null clears one. `stripeAccountId` `acct_` and 1-64 letters "
    "or digits, `paypalEmail` an e-mail address, `wiseRecipientId` 1-20 digits (else 400 "
    "`validation_failed` with the field). With `affiliateId` one membership changes (404 "
    "`affiliate_not_found` when it is not yours); without it, every membership, in one "
    "transaction. Audit-logged in each membership's org as "
    "`affiliate.payout_details_changed` (which methods are set, never the values). Answers "
    "the changed memberships, masked.")
PAYOUTS_NOTE = (
    "Added by Rekomi (not in the reference): the payouts you received across your "
    "memberships (or one: `affiliateId`, 404 `affiliate_not_found` when it is not yours), "
    "newest first, in every status, with line items; cursor-paginated.")
MY_INSIGHTS_NOTE = (
    "Your own figures, self-scoped and PII-free: counts, your commission, referrer hosts, "
    "countries, device classes, link slugs, sub-ids and time buckets; never a brand's "
    "revenue or a customer's identity. Modules: `overview`, `sale-origin`, `geography`, "
    "`devices`, `links`, `time-patterns`, `utm` (`dimension`), `channels` (sub-ids). "
    "`affiliateId` focuses one membership (404 `affiliate_not_found` when it is not yours); "
    "`programId` filters inside your memberships. Money is in `currency`: the focused "
    "membership's org's home currency, else the one your orgs share, else USD, each day "
    "converted at that day's rate. Windows are whole UTC days from `since` (default 30 days "
    "ago) through `until`. ")


def _route(method: str, path: str, rpc: Rpc[Any, Any] | None, summary: str, description: str,
           **kw: Any) -> Route:
    return Route(method, path, rpc, summary, TAG, auth=Auth.AFFILIATE_JWT,
                 description=PORTAL + description, **kw)


ME_ROUTES: list[Route] = [
    _route("GET", "/api/v1/me/memberships", me.LIST_MEMBERSHIPS,
           "Your memberships and balances", MEMBERSHIPS_NOTE),
    _route("GET", "/api/v1/me/sub-affiliate/link", me.RECRUIT_LINK,
           "Your sub-affiliate recruitment link", LINK_NOTE, query=me.RecruitLinkQuery),
    _route("GET", "/api/v1/me/sub-affiliate/recruits", me.LIST_RECRUITS,
           "Your recruits", RECRUITS_NOTE, query=me.RecruitsQuery),
    _route("GET", "/api/v1/me/payout-details", me_payouts.MY_PAYOUT_DETAILS,
           "Your payout details (masked)", DETAILS_NOTE),
    _route("PUT", "/api/v1/me/payout-details", me_payouts.PUT_MY_PAYOUT_DETAILS,
           "Set your payout details", PUT_DETAILS_NOTE, body=me_payouts.MyPayoutDetailsBody,
           audited=True),
    _route("GET", "/api/v1/me/payouts", me_payouts.LIST_MY_PAYOUTS, "Your payouts",
           PAYOUTS_NOTE, query=me_payouts.MyPayoutsQuery),
    _route("GET", "/api/me/insights/{module}", None, "Your insight module",
           MY_INSIGHTS_NOTE + UNKNOWN_AND_CSV, query=my.MyInsightQuery,
           local=insight_view(my.MyModule, my.MY_INSIGHT_RPC, my.MY_INSIGHT_CSV),
           response=my.MyInsight, path_params={"module": "module"},
           raw_path_params=frozenset({"module"}), operation="my_insights.get",
           also_media_type="text/csv"),
]
