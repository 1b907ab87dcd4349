"""The message bus on RabbitMQ (aio-pika).

* Events: a durable topic exchange; publishes wait for the broker's confirm. Each subscription is a
  durable quorum queue with manual acks, a prefetch and a delivery limit: a message whose handler
  failed ``delivery_limit`` times is dead-lettered to ``<queue>.dlq`` (the queue's own
  ``x-delivery-limit`` is the broker-side backstop).
* What happens to a message whose handler fails: ``bus_consume``. Request/reply: ``bus_rpc``
  (calling) and ``bus_rpc_serve`` (answering). What one message carries (an event or a pack of
  them): ``bus_messages``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_exponential

from libs.shared import jsonutil
from libs.shared.bus_consume import BatchHandler, ConsumeEvents, EventHandler
from libs.shared.bus_messages import (
    PACK_ENCODING,
    PACKED,
    Delivery,
    pack,
)
from libs.shared.bus_rpc import RemoteError, RequestReply, RpcTimeout
from libs.shared.bus_rpc_serve import RpcHandler

log = logging.getLogger(__name__)

__all__ = ["BatchHandler", "Bus", "Delivery", "EventHandler", "RemoteError", "RpcHandler",
           "RpcTimeout"]


# Seconds between reconnection attempts while the broker is away. aio-pika's default, 5 s, kept
# S2S answering 503 for up to 5 s after RabbitMQ was back (3 s after a 2-s outage through a
# cut proxy, tests/integration/test_bus_outage.py); an attempt against a stopped broker is one
# refused TCP connect. Each process draws its own interval around this (``_reconnect_interval``)
# so a fleet does not reconnect in lockstep.
RECONNECT_SECONDS = 0.25
# Publishes unconfirmed in a row (each after its timeout) that make the connection count as
# stuck and be dropped for a fresh one.
STALLED_PUBLISHES = 2


class Bus(ConsumeEvents, RequestReply):
    def __init__(self, amqp_url: str, *, namespace: str, service: str, prefetch: int = 64,
                 delivery_limit: int = 5, rpc_timeout: float = 5.0) -> None:
        self.url = amqp_url
        self.namespace = namespace
        self.service = service
        self.prefetch = prefetch
        self.delivery_limit = delivery_limit
        self.rpc_timeout = rpc_timeout
        self._connection: AbstractRobustConnection | None = None
        self._confirm_channel: AbstractChannel | None = None
        self._rpc_channel = None
        self._events: AbstractExchange | None = None
        self._dead: AbstractExchange | None = None
        self._stalls = 0  # publish confirms missed in a row (see _publish_stalled)
        self._init_rpc()

    # ---- lifecycle -----------------------------------------------------------------------
    async def connect(self, wait_seconds: float = 60.0) -> None:
        async for attempt in AsyncRetrying(
            stop=stop_after_delay(wait_seconds), wait=wait_exponential(0.2, max=5),
            retry=retry_if_exception_type((ConnectionError, OSError)), reraise=True,
        ):
            with attempt:
                self._connection = await aio_pika.connect_robust(
                    self.url, client_properties={"connection_name": f"rekomi-{self.service}"},
                    reconnect_interval=_reconnect_interval())
        assert self._connection is not None
        self._confirm_channel = await self._connection.channel(publisher_confirms=True)
        self._rpc_channel = await self._connection.channel(publisher_confirms=False)
        await self._rpc_channel.set_qos(prefetch_count=self.prefetch)
        self._events = await self._confirm_channel.declare_exchange(
            f"{self.namespace}.events", aio_pika.ExchangeType.TOPIC, durable=True)
        self._dead = await self._confirm_channel.declare_exchange(
            f"{self.namespace}.dead", aio_pika.ExchangeType.DIRECT, durable=True)

    async def close(self) -> None:
        self._cancel_pending()
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    @property
    def is_connected(self) -> bool:
        """Whether the broker is reachable now: the connection is up and the publishing and
        request channels are open. (A robust connection's ``is_closed`` only says whether
        ``close()`` was called: it stayed False through a whole outage.)"""
        connection = self._connection
        return (connection is not None and connection.connected.is_set()
                and all(channel is not None and not channel.is_closed
                        for channel in (self._confirm_channel, self._rpc_channel)))

    # ---- events --------------------------------------------------------------------------
    async def publish(self, routing_key: str, body: dict[str, Any], *, message_id: str,
                      headers: dict[str, Any] | None = None, timeout: float = 10.0) -> None:
        """Publish an event and return only once the broker has confirmed it."""
        await self.publish_json(routing_key, jsonutil.dumps(body), message_id=message_id,
                                headers=headers, timeout=timeout)

    async def publish_json(self, routing_key: str, body: bytes, *, message_id: str,
                           headers: dict[str, Any] | None = None, timeout: float = 10.0,
                           content_encoding: str | None = None) -> None:
        """``publish`` for a body that is JSON already (the outbox stores it so)."""
        assert self._events is not None, "connect() first"
        message = aio_pika.Message(
            body, message_id=message_id, content_type="application/json",
            content_encoding=content_encoding, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers=headers or {})
        try:
            await self._events.publish(message, routing_key, mandatory=False, timeout=timeout)
        except TimeoutError:
            await self._publish_stalled()
            raise
        self._stalls = 0

    async def _publish_stalled(self) -> None:
        """A publish the broker did not confirm in time. Twice in a row while the connection
        looks up means it is stuck, not slow: a half-open TCP connection, or a channel whose
        confirms the broker stopped sending (RabbitMQ 3.10 did, after a quorum queue that
        publishes were routed to was deleted: the relay timed out every 10 s for minutes and
        the service's RPCs, on the same connection, went unanswered). The heartbeat notices
        a half-open connection only after a minute and never a stuck channel, so the
        connection is dropped here and the robust connection reconnects with fresh channels."""
        self._stalls += 1
        transport = self._connection.transport if self._connection is not None else None
        if self._stalls < STALLED_PUBLISHES or transport is None or transport.connection.is_closed:
            return
        self._stalls = 0
        log.error("broker connection stalled (publishes unconfirmed); reconnecting",
                  extra={"service": self.service})
        with contextlib.suppress(Exception):
            await transport.connection.close(ConnectionResetError("publishes stalled"))

    async def publish_packed(self, routing_key: str, events: list[tuple[str, bytes,
                                                                       dict[str, Any]]],
                             *, timeout: float = 10.0) -> None:
        """Several events with one routing key in one message (the outbox relays bursts so):
        ``events`` are (message id, JSON body, headers). Consumers see each one as its own
        ``Delivery``; the broker stores, routes and confirms one message for all of them."""
        if len(events) == 1:
            message_id, body, headers = events[0]
            await self.publish_json(routing_key, body, message_id=message_id, headers=headers,
                                    timeout=timeout)
            return
        await self.publish_json(routing_key, pack(events), message_id=events[0][0],
                                headers={PACKED: len(events)}, timeout=timeout,
                                content_encoding=PACK_ENCODING)

    async def subscribe(self, name: str, routing_keys: list[str], handler: EventHandler) -> None:
        """Consume events matching ``routing_keys`` into the durable queue
        ``<ns>.<service>.<name>``."""
        queue_name, queue = await self._declare(name, routing_keys)

        # A coroutine function, not a lambda returning a coroutine: aio-pika deprecates (warns
        # on) plain-function callbacks.
        async def on_message(message: AbstractIncomingMessage) -> None:
            await self._on_event(queue_name, message, handler)

        await queue.consume(on_message)

    async def subscribe_batch(self, name: str, routing_keys: list[str],
                              handler: BatchHandler, *, max_batch: int = 256) -> None:
        """Like ``subscribe``, but the messages that arrived together are handed over as one
        list (one transaction for many events). If the handler fails on a batch, each message
        is retried alone, so one poison message is dead-lettered without its neighbours."""
        queue_name, queue = await self._declare(name, routing_keys)
        pending: list[AbstractIncomingMessage] = []
        draining = False

        async def on_message(message: AbstractIncomingMessage) -> None:
            nonlocal draining
            pending.append(message)
            if draining:
                return
            draining = True
            try:
                await asyncio.sleep(0)  # let the rest of this burst arrive first
                while pending:
                    batch = pending[:max_batch]
                    del pending[:max_batch]
                    await self._on_batch(queue_name, batch, handler)
            finally:
                draining = False

        await queue.consume(on_message)

    async def _declare(self, name: str, routing_keys: list[str]) -> tuple[str, AbstractQueue]:
        assert self._connection is not None and self._dead is not None
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        queue_name = f"{self.namespace}.{self.service}.{name}"
        dlq = await channel.declare_queue(f"{queue_name}.dlq", durable=True)
        await dlq.bind(self._dead, routing_key=queue_name)
        queue = await channel.declare_queue(queue_name, durable=True, arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": self.delivery_limit,
            "x-dead-letter-exchange": f"{self.namespace}.dead",
            "x-dead-letter-routing-key": queue_name,
        })
        events = await channel.get_exchange(f"{self.namespace}.events")
        for key in routing_keys:
            await queue.bind(events, routing_key=key)
        return queue_name, queue

def _reconnect_interval() -> float:
    return RECONNECT_SECONDS * random.uniform(0.8, 1.2)
