"""Stripe and Paddle connections (ours; ENDPOINTS.md "Added by Rekomi"): the bodies that
connect a provider, the status a brand reads back (never a secret), and the tracking service's
methods, including the one the per-org provider webhook endpoints forward raw events to."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from libs.contracts.common import Actor, ApiModel, Resource, Timestamp
from libs.contracts.programs import OrgScoped
from libs.shared.rpc import Rpc


class Provider(StrEnum):
    stripe = "stripe"
    paddle = "paddle"


# Stripe's endpoint signing secret (Dashboard > Developers > Webhooks > Signing secret) and a
# restricted key; Paddle Billing's notification destination secret key.
STRIPE_WEBHOOK_SECRET = r"^whsec_[A-Za-z0-9+/=_-]{8,200}$"
STRIPE_RESTRICTED_KEY = r"^rk_(live|test)_[A-Za-z0-9]{8,200}$"
PADDLE_WEBHOOK_SECRET = r"^pdl_ntfset_[A-Za-z0-9_]{8,200}$"


class StripeConnectionBody(ApiModel):
    webhook_secret: StrictStr = Field(
        alias="webhookSecret", pattern=STRIPE_WEBHOOK_SECRET,
        description="The endpoint's signing secret from Stripe (`whsec_...`)")
    restricted_api_key: StrictStr | None = Field(
        default=None, alias="restrictedApiKey",
        pattern=STRIPE_RESTRICTED_KEY,
        description="Optional restricted key (`rk_live_...` / `rk_test_...`) with read access "
                    "to customers, promotion codes and subscriptions; null: none")


class PaddleConnectionBody(ApiModel):
    webhook_secret: StrictStr = Field(
        alias="webhookSecret", pattern=PADDLE_WEBHOOK_SECRET,
        description="The notification destination's secret key from Paddle "
                    "(`pdl_ntfset_...`)")


class IntegrationStatus(Resource):
    """A connection as the brand sees it: where to point the provider, never the secrets."""

    provider: Provider
    connected: bool
    webhook_url: str = Field(alias="webhookUrl",
                             description="The endpoint URL to paste into the provider")
    restricted_api_key_set: bool = Field(alias="restrictedApiKeySet")
    connected_at: Timestamp | None = Field(alias="connectedAt")


class GetIntegration(OrgScoped):
    provider: Provider
    org_handle: str = Field(alias="orgHandle")


class ConnectIntegration(GetIntegration):
    webhook_secret: str = Field(alias="webhookSecret")
    restricted_api_key: str | None = Field(default=None, alias="restrictedApiKey")
    actor: Actor


class DisconnectIntegration(GetIntegration):
    actor: Actor


class ConnectedProviders(Resource):
    """For the billing state's ``stripeConnectLinked``."""

    stripe: bool
    paddle: bool


class ProviderEvent(BaseModel):
    """A provider's webhook call as the gateway received it: the body exactly as sent (the
    signature covers its bytes) and the signature header."""

    provider: Provider
    org_handle: str = Field(alias="orgHandle")
    body: str
    signature: str | None = None
    payout_grace_days: int = Field(default=0, alias="payoutGraceDays", ge=0)

    model_config = ConfigDict(populate_by_name=True)


class ProviderEventReceived(Resource):
    received: bool = True
    duplicate: bool = Field(description="The event id was recorded before: nothing changed")


CONNECT_INTEGRATION = Rpc("tracking", "integrations.connect", ConnectIntegration,
                          IntegrationStatus)
GET_INTEGRATION = Rpc("tracking", "integrations.get", GetIntegration, IntegrationStatus)
DISCONNECT_INTEGRATION = Rpc("tracking", "integrations.disconnect", DisconnectIntegration,
                             IntegrationStatus)
CONNECTED_PROVIDERS = Rpc("tracking", "integrations.connected", OrgScoped, ConnectedProviders)
RECEIVE_PROVIDER_EVENT = Rpc("tracking", "integrations.receive", ProviderEvent,
                             ProviderEventReceived)

# Staged in tracking's outbox beside each newly stored provider event; tracking's own booking
# (service_layer/provider_booking.py) consumes it and reads the stored body.
PROVIDER_EVENT_RECEIVED = "tracking.provider_event.received"


class ProviderEventStored(BaseModel):
    org_id: uuid.UUID = Field(alias="orgId")
    provider: Provider
    event_id: str = Field(alias="eventId")
    event_type: str = Field(alias="eventType")
    received_at: Timestamp = Field(alias="receivedAt")

    model_config = ConfigDict(populate_by_name=True)
