"""The org's S2S signing secret (the gateway owns it): a dashboard Owner rotates it. API keys
get 403 with an empty body, as on the other dashboard-only writes: a leaked key must not be
able to take over the secret that proves the brand's servers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp import web

from libs.contracts.common import Actor
from libs.contracts.secrets import SigningSecretRotated
from services.gateway.domain.roles import Auth, Role
from services.gateway.entrypoints.http.keys import POOL, PRINCIPAL, PRINCIPALS, SETTINGS
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.service_layer.signing_secret import rotate_signing_secret

ROTATE_NOTE = (
    "Dashboard only (an Owner's sign-in token; API keys and lower roles get 403 with an empty "
    "body). A new `rks_` secret replaces the current one and is answered once (it cannot be "
    "read again). Requests signed with the previous secret keep verifying until "
    "`previousSecretExpiresAt` (24 hours by default), so the brand's servers can switch "
    "without dropping sales; a second rotation within that window ends the older secret at "
    "once. Audit-logged as `org.signing_secret_rotated` (no secret in the row).")


async def _rotate(request: web.Request, payload: dict[str, Any]) -> SigningSecretRotated:
    org_id = request[PRINCIPAL].org_id
    overlap = timedelta(hours=request.app[SETTINGS].signing_secret_overlap_hours)
    async with request.app[POOL].acquire() as conn:
        rotated = await rotate_signing_secret(conn, org_id,
                                              Actor.model_validate(payload["actor"]), overlap)
    request.app[PRINCIPALS].changed_here()  # before its NOTIFY comes back
    return rotated


SIGNING_SECRET_ROUTES: list[Route] = [
    Route("POST", "/api/v1/signing-secret/rotate", None, "Rotate the S2S signing secret",
          "S2S tracking", auth=Auth.JWT_ONLY, role=Role.Owner, response=SigningSecretRotated,
          local=_rotate, audited=True, operation="signing_secret.rotate",
          description=ROTATE_NOTE),
]
