"""Events the tracking service consumes: the ledger's affiliate events feed the link index."""

from __future__ import annotations

from libs.contracts.events import DomainEvent
from libs.shared.bus import Bus, Delivery
from services.tracking.service_layer.links import LINK_EVENTS, apply_affiliate_event
from services.tracking.service_layer.lookups import Tracking


async def subscribe(bus: Bus, t: Tracking) -> None:
    async def on_affiliate(delivery: Delivery) -> None:
        event = DomainEvent.model_validate(delivery.body)
        await apply_affiliate_event(t.pool, t.lookups, event)

    await bus.subscribe("links", LINK_EVENTS, on_affiliate)
