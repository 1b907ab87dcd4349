"""Events the tracking service consumes: the ledger's affiliate events feed the link index;
its own stored provider events (Stripe, Paddle) are booked behind the endpoint's answer."""

from __future__ import annotations

from libs.contracts.events import DomainEvent
from libs.contracts.integrations import PROVIDER_EVENT_RECEIVED, ProviderEventStored
from libs.shared.bus import Bus, Delivery
from services.tracking.service_layer.links import LINK_EVENTS, apply_affiliate_events
from services.tracking.service_layer.lookups import Tracking
from services.tracking.service_layer.provider_booking import ProviderBooking


async def subscribe(bus: Bus, t: Tracking, booking: ProviderBooking) -> None:
    async def on_affiliates(deliveries: list[Delivery]) -> None:
        events = [DomainEvent.model_validate(d.body) for d in deliveries]
        await apply_affiliate_events(t.pool, t.lookups, events)

    await bus.subscribe_batch("links", LINK_EVENTS, on_affiliates)

    async def on_provider_event(delivery: Delivery) -> None:
        await booking.process(ProviderEventStored.model_validate(delivery.body))

    await bus.subscribe("provider_events", [PROVIDER_EVENT_RECEIVED], on_provider_event)
