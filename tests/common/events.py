"""A recorder of the domain events the services publish, as they reach the bus (the relays
delete what they sent, so the outbox does not keep count)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aio_pika

from libs.shared.bus import Bus, Delivery
from libs.shared.settings import Settings
from tests.common.orgs import Org
from tests.common.waiting import eventually


@dataclass
class EventRecorder:
    """Every domain event matching ``keys`` (default ``affiliate.*``), as received from the bus
    on a queue of its own (deleted at the end)."""

    bus: Bus
    queue: str
    received: list[Delivery] = field(default_factory=list)

    @classmethod
    async def start(cls, keys: tuple[str, ...] = ("affiliate.*",)) -> EventRecorder:
        settings = Settings()
        bus = Bus(settings.amqp_url, namespace=settings.namespace, service="e2e-events")
        await bus.connect(wait_seconds=10)
        name = f"events-{uuid.uuid4().hex[:8]}"
        recorder = cls(bus, f"{settings.namespace}.e2e-events.{name}")

        async def on_event(delivery: Delivery) -> None:
            recorder.received.append(delivery)

        await bus.subscribe(name, list(keys), on_event)
        return recorder

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [d.body for d in self.received]

    async def stop(self) -> None:
        await self.bus.close()
        connection = await aio_pika.connect(Settings().amqp_url)
        async with connection:
            channel = await connection.channel()
            for name in (self.queue, f"{self.queue}.dlq"):
                await channel.queue_delete(name)

    def of(self, org: Org) -> list[Delivery]:
        return [d for d in self.received if d.body.get("orgId") == org.org_id]

    async def settled(self, match: Callable[[Delivery], bool], count: int,
                      timeout: float = 15.0) -> list[Delivery]:
        """The received events ``match`` accepts, in arrival order, once there are ``count``
        of them and half a second more has passed (so that one too many shows too)."""
        async def enough() -> list[Delivery] | None:
            seen = [d for d in self.received if match(d)]
            return seen if len(seen) >= count else None

        await eventually(enough, timeout=timeout, what=f"{count} events")
        await asyncio.sleep(0.5)
        return [d for d in self.received if match(d)]

    async def wait_for(self, org: Org, count: int, timeout: float = 10.0) -> list[Delivery]:
        """Exactly ``count`` events for ``org`` (fails at once on more, or at the deadline)."""
        async def probe() -> list[Delivery] | None:
            seen = self.of(org)
            assert len(seen) <= count, [d.routing_key for d in seen]
            return seen if len(seen) == count else None
        return await eventually(probe, timeout=timeout, what=f"{count} affiliate events")
