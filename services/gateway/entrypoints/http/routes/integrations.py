"""Stripe and Paddle (ours, ENDPOINTS.md "Added by Rekomi"; issue 23): the brand connects a
provider by pasting its webhook secret, and the provider posts signed events to the org's own
endpoint. Tracking owns the connections (it verifies the events with their secrets)."""

from __future__ import annotations

from libs.contracts import integrations as i
from services.gateway.domain.plans import S2S_TRACKING
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http import integration_views as views
from services.gateway.entrypoints.http.route_table import Route

TAG = "Integrations"
GATE = ("Starter+ or any trialing org (an install path, gated like S2S); dashboard operators "
        "need the Owner role. ")
URL_NOTE = ("`webhookUrl` is this org's endpoint to paste into {name}. Secrets are stored "
            "encrypted and never answered: the status shows `connected`, "
            "`restrictedApiKeySet` and `connectedAt`. ")
PUT_NOTE = {
    i.Provider.stripe: "Body: `webhookSecret` (the endpoint's signing secret, `whsec_...`) and "
                       "optional `restrictedApiKey` (`rk_live_...`/`rk_test_...`, read access "
                       "to customers, promotion codes and subscriptions). ",
    i.Provider.paddle: "Body: `webhookSecret` (the notification destination's secret key, "
                       "`pdl_ntfset_...`). ",
}
RECEIVE_NOTE = (
    "Public: {name} posts its events here, signed with the connected secret ({header}). A "
    "missing, wrong or stale signature (older than 300 s) is 400 "
    "`invalid_provider_signature` and stores nothing; 404 `integration_not_found` when no org "
    "has the handle or the org has not connected {name}; 400 `invalid_provider_event` for a "
    "signed body that is not an event. Each event id is stored once per org: a retry or "
    "replay answers 200 with `duplicate: true` and changes nothing. The 200 comes after the "
    "event is durably stored; conversions are booked from it behind the bus (see the README's "
    "\"Booking from Stripe and Paddle events\"). Rate-limited per org endpoint, not per "
    "address (`REKOMI_PROVIDER_WEBHOOK_RATE_LIMIT_PER_MINUTE`): 429 `rate_limited`, which "
    "{name} retries.")


def _routes(provider: i.Provider, name: str, body: type, header: str) -> list[Route]:
    path, p = f"/api/v1/integrations/{provider.value}", provider.value
    return [
        Route("PUT", path, i.CONNECT_INTEGRATION, f"Connect {name}", TAG, plan=S2S_TRACKING,
              body=body, role=Role.Owner, audited=True, local=views.forward(
                  i.CONNECT_INTEGRATION, provider), operation=f"integrations.{p}.connect",
              description=GATE + PUT_NOTE[provider] + URL_NOTE.format(name=name)
              + "Connecting again replaces the secrets. 400 `validation_failed` names the "
              "field. Audit-logged as `integration.connected` (no secret in the row)."),
        Route("GET", path, i.GET_INTEGRATION, f"Get the {name} connection", TAG,
              plan=S2S_TRACKING, role=Role.Owner, local=views.forward(
                  i.GET_INTEGRATION, provider), operation=f"integrations.{p}.get",
              description=GATE + URL_NOTE.format(name=name)),
        Route("DELETE", path, i.DISCONNECT_INTEGRATION, f"Disconnect {name}", TAG,
              plan=S2S_TRACKING, role=Role.Owner, audited=True, status=204,
              local=views.forward(i.DISCONNECT_INTEGRATION, provider),
              operation=f"integrations.{p}.disconnect",
              description=GATE + f"Forgets the secrets; {name}'s later events are 404. "
              "Disconnecting what is not connected changes nothing (204 too). Audit-logged "
              "as `integration.disconnected`."),
        Route("POST", f"/api/integrations/{p}/{{orgHandle}}", i.RECEIVE_PROVIDER_EVENT,
              f"Receive a {name} event", TAG, public=True, local=views.receive(provider, header),
              rate_policy="provider_webhook",
              path_params={"orgHandle": "orgHandle"}, raw_path_params=frozenset({"orgHandle"}),
              operation=f"integrations.{p}.receive",
              description=RECEIVE_NOTE.format(name=name, header=f"`{header}`")
              + " 413 `payload_too_large`."),
    ]


INTEGRATION_ROUTES: list[Route] = [
    *_routes(i.Provider.stripe, "Stripe", i.StripeConnectionBody, "Stripe-Signature"),
    *_routes(i.Provider.paddle, "Paddle", i.PaddleConnectionBody, "Paddle-Signature"),
]
