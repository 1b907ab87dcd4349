"""Customer webhooks: endpoints and their delivery log, owned by the webhooks service."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from libs.contracts import webhooks as c
from libs.contracts.webhooks import catalogue_text
from libs.shared.errors import NotFound
from services.gateway.domain.plans import Tier
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http.keys import BUS
from services.gateway.entrypoints.http.route_table import Route

WEBHOOK_ID = {"id": "endpointId"}
TAG = "Webhooks"
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")

CATALOGUE = (
    "\n\nEvent types (`events` takes any of them, or `[\"*\"]` for all):\n" + catalogue_text())
DELIVERY = (
    "\n\nEach delivery is a POST of `{\"id\", \"type\", \"createdAt\", \"data\"}` (`data` is the "
    "resource as the REST API returns it) with `X-Rekomi-Signature: t=<unix>,v1=<hex>` "
    "(HMAC-SHA256 with the endpoint secret over `<unix>.<raw body>`), `X-Rekomi-Event`, and "
    "`X-Rekomi-Delivery-Id` (a ULID, the same on every retry: de-duplicate on it). A 2xx is "
    "success; anything else, a 10 s timeout or a connection error is retried after about 5 s, "
    "5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 14 h, 14 h and 14 h (+-20 % jitter; about 3 days, 11 "
    "attempts). Redirects are not followed. 410 Gone disables the endpoint at once; 5 days of "
    "failures without a success disable it too (`disabledAt`, audit `webhook.disabled`).")
URL_RULES = (
    " `url` must be https and resolve only to public addresses (private, loopback and "
    "link-local targets are refused with 400, field `url`).")


async def resend(request: web.Request, payload: dict[str, Any]) -> Any:
    """Delivery ids are ULIDs, not the UUIDs the generic path parsing accepts."""
    delivery_id = request.match_info["id"].upper()
    if not _ULID.match(delivery_id):
        raise NotFound("not found")
    return await c.RESEND_DELIVERY.call(request.app[BUS], {**payload, "deliveryId": delivery_id})


WEBHOOK_ROUTES: list[Route] = [
    Route("GET", "/api/v1/webhooks", c.LIST_WEBHOOKS, "List webhook endpoints", TAG,
          role=Role.Viewer,
          plan=Tier.Starter, query=c.WebhookListQuery,
          description="Cursor-paginated, oldest first; secrets are never listed." + CATALOGUE),
    Route("POST", "/api/v1/webhooks", c.CREATE_WEBHOOK, "Create a webhook endpoint",
          TAG, plan=Tier.Starter, body=c.WebhookCreate, status=201,
          role=Role.Manager,
          audited=True,
          description="The answer carries the signing `secret` (whsec_...), shown only here "
                      "and on rotation." + URL_RULES + DELIVERY + CATALOGUE),
    Route("GET", "/api/v1/webhooks/{id}", c.GET_WEBHOOK, "Get a webhook endpoint",
          TAG, plan=Tier.Starter, path_params=WEBHOOK_ID, role=Role.Viewer),
    Route("PATCH", "/api/v1/webhooks/{id}", c.UPDATE_WEBHOOK,
          "Update a webhook endpoint", TAG, plan=Tier.Starter, body=c.WebhookPatch,
          role=Role.Manager,
          path_params=WEBHOOK_ID, audited=True,
          description="Only the keys sent change. `isActive: true` re-enables an endpoint "
                      "Rekomi disabled." + URL_RULES + CATALOGUE),
    Route("DELETE", "/api/v1/webhooks/{id}", c.DELETE_WEBHOOK,
          "Delete a webhook endpoint", TAG, plan=Tier.Starter, status=204,
          role=Role.Manager,
          path_params=WEBHOOK_ID, audited=True,
          description="Removes the endpoint and its delivery log."),
    Route("POST", "/api/v1/webhooks/{id}/rotate-secret", c.ROTATE_SECRET,
          "Rotate the signing secret", TAG, plan=Tier.Starter, path_params=WEBHOOK_ID, audited=True,
          role=Role.Manager,
          description="For 24 hours deliveries carry both signatures (`t=...,v1=<new>,"
                      "v1=<old>`), so receivers can switch secrets without dropping events."),
    Route("POST", "/api/v1/webhooks/{id}/test", c.SEND_TEST,
          "Send a test event", TAG, plan=Tier.Starter, status=202,
          role=Role.Manager,
          path_params=WEBHOOK_ID,
          description="Queues a `webhook.test` event to this endpoint and answers with its "
                      "delivery. 409 `webhook_inactive` if the endpoint is not active."),
    Route("GET", "/api/v1/webhooks/{id}/deliveries", c.LIST_DELIVERIES,
          "List an endpoint's deliveries", TAG, plan=Tier.Starter, query=c.DeliveryListQuery,
          role=Role.Viewer,
          path_params=WEBHOOK_ID,
          description="Newest first; filter by `status` and `eventType`." + DELIVERY),
    Route("POST", "/api/v1/webhooks/deliveries/{id}/resend", c.RESEND_DELIVERY,
          "Resend a delivery", TAG, plan=Tier.Starter, status=202,
          role=Role.Manager,
          audited=True, local=resend,
          description="A new attempt of the same delivery (same id and body), due now."),
]
