"""The endpoint inventory's open items: endpoints of docs/spec/ENDPOINTS.md that have no route
yet, each with the issue that will build it, and the inventory rows written as prose (no
method and path), with the routes that serve them or the issue that will.

``tests/unit/test_endpoint_inventory.py`` holds the inventory, this file and the route table
to each other: an inventory endpoint without a route and without an entry here fails, and so
does an entry here for an endpoint that is routed by now (delete it when the issue lands)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Later:
    """Deliberately not routed yet: the issue that will build it, and why it waits."""

    issue: int
    why: str


# Connecting and receiving are routed (routes/integrations.py); booking from the events is not.
PROVIDERS = Later(23, "booking conversions from Stripe and Paddle events: attribution "
                      "(coupon, metadata, customer, e-mail), renewals, refunds, disputes")
MCP = Later(24, "the MCP server")

# "METHOD /path" as the inventory writes it (parameter names as there).
UNROUTED: dict[str, Later] = {
}

# Rows that name no endpoint: the routes that serve them ("METHOD /path" of the route table).
PROSE_ROUTED: dict[str, tuple[str, ...]] = {
    "65": ("GET /r/{slug}",),
    "66": ("POST /api/v1/webhooks", "GET /api/v1/webhooks", "GET /api/v1/webhooks/{id}",
           "PATCH /api/v1/webhooks/{id}", "DELETE /api/v1/webhooks/{id}",
           "POST /api/v1/webhooks/{id}/rotate-secret", "GET /api/v1/webhooks/{id}/deliveries",
           "POST /api/v1/webhooks/deliveries/{id}/resend"),
    "69": ("GET /embed/v1/dashboard",),
    "the embed widget script": ("GET /embed/v1/dashboard.js",),
    # and `rekomi admin create-org / create-key / revoke-key` from the command line
    "68": ("GET /api/v1/api-keys", "POST /api/v1/api-keys", "DELETE /api/v1/api-keys/{id}"),
}
# ... or the issue that will build them (the text of rows that have no number).
PROSE_LATER: dict[str, Later] = {
    "67": PROVIDERS,
    "70": MCP,
    "/mcp (Streamable HTTP)": MCP,
}
