"""Connected buses for integration tests, closed at the end, their queues deleted."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aio_pika

from libs.shared.bus import Bus
from libs.shared.settings import Settings

NAMESPACE = "rekomitest"
MakeBus = Callable[..., Awaitable[Bus]]


async def bus_factory(settings: Settings) -> AsyncIterator[MakeBus]:
    """Yields ``make(service, **bus_kwargs)``. Afterwards each service's RPC queue and its
    ``outbox`` subscription (with the dead-letter queue) are deleted; RabbitMQ treats deleting
    a queue that does not exist as success."""
    buses: list[Bus] = []

    async def make(service: str, **kwargs: Any) -> Bus:
        bus = Bus(settings.amqp_url, namespace=NAMESPACE, service=service, **kwargs)
        await bus.connect(wait_seconds=30)
        buses.append(bus)
        return bus

    yield make
    for bus in buses:
        await bus.close()
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        channel = await connection.channel()
        for bus in buses:
            for name in (f"{NAMESPACE}.rpc.{bus.service}", f"{NAMESPACE}.{bus.service}.outbox",
                         f"{NAMESPACE}.{bus.service}.outbox.dlq"):
                await channel.queue_delete(name)
    finally:
        await connection.close()
