"""Affiliate invites: owned by the ledger. Creating ones resolves the org's name and home
currency here first (the gateway owns orgs) for the {{brand.name}} and {{program.commission}}
merge tags; by-token routes are public and rate-limited per client address; list, resend and
revoke are the dashboard's alone (``Auth.JWT_ONLY``), as the reference has them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from libs.contracts import invites as c
from libs.shared.rpc import Rpc
from services.gateway.adapters.orgs_repository import OrgsRepository
from services.gateway.domain.plans import ACTIVE_PAID_PLAN
from services.gateway.domain.roles import Auth, Role
from services.gateway.entrypoints.http.keys import BUS, POOL, PRINCIPAL
from services.gateway.entrypoints.http.route_table import Route

I = "/api/affiliate-invites"  # noqa: E741 - the reference's path, no /v1 alias
INVITE_ID = {"id": "inviteId"}
TOKEN = {"token": "token"}
JWT_NOTE = ("Dashboard only, as the reference has it: a brand operator's sign-in token; API "
            "keys get 403 with an empty body.")
STATES = "States: Pending -> Accepted | Expired (14 days after create or resend) | Revoked."


def with_brand(rpc: Rpc[Any, Any]) -> Callable[[web.Request, dict[str, Any]], Awaitable[Any]]:
    async def forward(request: web.Request, payload: dict[str, Any]) -> Any:
        async with request.app[POOL].acquire() as conn:
            org = await OrgsRepository(conn).org(request[PRINCIPAL].org_id)
        assert org is not None  # the API key authenticated against this org
        payload["brand"] = {"name": org["name"], "currency": org["home_currency"]}
        return await rpc.call(request.app[BUS], payload)

    return forward


def _route(method: str, path: str, rpc: Rpc[Any, Any], summary: str, **kw: Any) -> Route:
    return Route(method, path, rpc, summary, "Affiliate invites", **kw)


INVITE_ROUTES: list[Route] = [
    _route("POST", f"{I}/bulk", c.CREATE_BULK_INVITES, "Invite up to 50 affiliates",
           role=Role.Manager, email_verified=True,
           body=c.BulkInviteCreate,
           plan=ACTIVE_PAID_PLAN, local=with_brand(c.CREATE_BULK_INVITES),
           description="Starter+ with an Active subscription (else 402 `paid_plan_required`). "
                       "`recipients` (per-row slug and name) or legacy `emails`; recipients "
                       "wins. Duplicates and existing affiliates or pending invitees are "
                       "skipped silently; refused slugs are listed in `slugConflicts` (taken, "
                       "reserved, invalid, duplicate_within_batch) and those rows are invited "
                       "without one. E-mails leave at most 1/s per org. 409 "
                       "`pending_invites_limit_reached` past 500 pending invites."),
    _route("GET", f"{I}/by-token/{{token}}", c.PREVIEW_INVITE, "Preview an invite (public)",
           path_params=TOKEN, raw_path_params=frozenset({"token"}),
           public=True, rate_policy="anonymous",
           description="Brand and program of an invite. 404 `invite_not_found` for an unknown "
                       "or rotated token; 410 `invite_expired` / `invite_revoked`."),
    _route("POST", f"{I}/by-token/{{token}}/accept", c.ACCEPT_INVITE,
           "Accept an invite (public)", path_params=TOKEN,
           raw_path_params=frozenset({"token"}), public=True, rate_policy="strict_write",
           description="Creates the affiliate (source Invite; Approved or Pending by the "
                       "invite's autoApprove) with the preserved slug when still free, else a "
                       "generated one and a warning. Fires `affiliate.created` (and "
                       "`affiliate.approved`). Idempotent: accepting again returns the same "
                       "affiliate. 404 unknown or rotated token; 410 `invite_expired` / "
                       "`invite_revoked`; 409 `program_at_capacity` when an auto-approved "
                       "invite meets a program whose `maxAffiliates` seats are all taken."),
    _route("GET", I, c.LIST_INVITES, "List invites", query=c.InviteListQuery,
           role=Role.Viewer, auth=Auth.JWT_ONLY,
           description="Filters `programId`, `state`. " + STATES + " " + JWT_NOTE),
    _route("POST", I, c.CREATE_INVITE, "Invite one affiliate", body=c.InviteCreate,
           role=Role.Manager, email_verified=True,
           status=201, local=with_brand(c.CREATE_INVITE),
           description="Every plan, Trial included. Returns the invite and its one-time "
                       "`acceptUrl` (shown once; only a hash is stored). `personalNoteHtml` is "
                       "sanitized (p, br, strong, b, em, i, u, ul, ol, li, a with an https "
                       "href) and then merge tags {{affiliate.firstName}}, "
                       "{{program.commission}}, {{brand.name}} are filled in, escaped. `slug`: "
                       "400 with field slug on shape, 400 `slug_reserved`, 409 "
                       "`slug_already_taken`. 409 `affiliate_already_exists`, "
                       "`invite_already_pending`, `pending_invites_limit_reached` (500). "
                       + STATES),
    _route("POST", f"{I}/{{id}}/resend", c.RESEND_INVITE, "Resend an invite",
           role=Role.Manager, auth=Auth.JWT_ONLY,
           path_params=INVITE_ID,
           description="Rotates the token (the old accept URL stops working), renews the "
                       "expiry and sends the e-mail again. 409 `invite_not_pending` for an "
                       "accepted or revoked invite. " + JWT_NOTE),
    _route("DELETE", f"{I}/{{id}}", c.REVOKE_INVITE, "Revoke an invite",
           role=Role.Manager, auth=Auth.JWT_ONLY,
           path_params=INVITE_ID,
           description="State Revoked (repeating is a no-op); its token then answers 410. 409 "
                       "`invite_not_pending` for an accepted invite. " + JWT_NOTE),
]
