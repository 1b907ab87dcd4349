"""Events the tracking service consumes: the ledger's affiliate events feed the link index."""

from __future__ import annotations

from libs.contracts.events import DomainEvent
from libs.shared.bus import Bus, Delivery
from services.tracking.service_layer.links import LINK_EVENTS, apply_affiliate_events
from services.tracking.service_layer.lookups import Tracking


async def subscribe(bus: Bus, t: Tracking) -> None:
    async def on_affiliates(deliveries: list[Delivery]) -> None:
        events = [DomainEvent.model_validate(d.body) for d in deliveries]
        await apply_affiliate_events(t.pool, t.lookups, events)

    await bus.subscribe_batch("links", LINK_EVENTS, on_affiliates)
