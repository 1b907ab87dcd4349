"""The affiliate portal: routes for affiliates signed in with their own JWT
(``Auth.AFFILIATE_JWT``). The caller is ``request[AFFILIATE]``: the verified e-mail and the
affiliate rows the ledger holds for it across orgs; every answer is scoped to those rows."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from libs.contracts.affiliate_sessions import Membership, MembershipList
from services.gateway.domain.roles import Auth
from services.gateway.entrypoints.http.keys import AFFILIATE
from services.gateway.entrypoints.http.route_table import Route

MEMBERSHIPS_NOTE = (
    "Affiliate portal (an affiliate's own sign-in token; API keys get 403). The caller's "
    "affiliate rows in every org and program, oldest first: the live affiliates whose e-mail "
    "is the token's verified e-mail (an unverified one is 403 `email_not_verified`). Empty "
    "when none.")


async def _memberships(request: web.Request, _payload: dict[str, Any]) -> MembershipList:
    return MembershipList(items=[
        Membership(org_id=m.org_id, affiliate_id=m.affiliate_id, program_id=m.program_id,
                   status=m.status) for m in request[AFFILIATE].memberships])


ME_ROUTES: list[Route] = [
    Route("GET", "/api/v1/me/memberships", None, "The signed-in affiliate's memberships",
          "Affiliate portal", auth=Auth.AFFILIATE_JWT, response=MembershipList,
          local=_memberships, operation="me.memberships", description=MEMBERSHIPS_NOTE),
]
