"""The ledger's consumers on a namespace of their own, on the real RabbitMQ, with a publisher
standing in for tracking; their queues (and dead-letter queues) deleted afterwards."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aio_pika
import asyncpg
from prometheus_client import REGISTRY

from libs.shared.bus import Bus
from libs.shared.settings import Settings

Subscribe = Callable[[Bus, asyncpg.Pool], Awaitable[None]]


@dataclass
class Ledger:
    """One of the ledger's consumer queues, and the publisher that feeds it."""

    bus: Bus
    queue: str

    def handled(self, outcome: str) -> float:
        return REGISTRY.get_sample_value(
            "rekomi_bus_messages_total", {"queue": self.queue, "outcome": outcome}) or 0.0

    async def send(self, key: str, body: dict[str, Any], message_id: str | None = None
                   ) -> None:
        await self.bus.publish(key, body, message_id=message_id or uuid.uuid4().hex)

    async def deliver(self, key: str, *bodies: dict[str, Any], outcome: str = "acked") -> None:
        await self.deliver_all([(key, b) for b in bodies], outcome)

    async def deliver_all(self, messages: list[tuple[str, dict[str, Any]]],
                          outcome: str = "acked") -> None:
        """Publish at once and wait until the consumer has finished every one of them."""
        before = self.handled(outcome)
        await asyncio.gather(*(self.send(key, body) for key, body in messages))
        await until(lambda: at_least(self.handled(outcome), before + len(messages)))


async def at_least(value: float, target: float) -> bool:
    return value >= target


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


@asynccontextmanager
async def ledger_consumers(pool: asyncpg.Pool, settings: Settings,
                           subscribers: dict[str, Subscribe]) -> AsyncIterator[dict[str, Ledger]]:
    """Each of ``subscribers`` (queue name: its ``subscribe``) consuming, by queue name."""
    namespace = f"ledger{uuid.uuid4().hex[:8]}"
    consumer = Bus(settings.amqp_url, namespace=namespace, service="ledger", delivery_limit=2)
    publisher = Bus(settings.amqp_url, namespace=namespace, service="tracking")
    await consumer.connect(wait_seconds=10)
    await publisher.connect(wait_seconds=10)
    for subscribe in subscribers.values():
        await subscribe(consumer, pool)
    yield {name: Ledger(publisher, f"{namespace}.ledger.{name}") for name in subscribers}
    await publisher.close()
    await consumer.close()
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        for name in subscribers:
            await channel.queue_delete(f"{namespace}.ledger.{name}")
            await channel.queue_delete(f"{namespace}.ledger.{name}.dlq")
