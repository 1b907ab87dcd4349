"""The message bus on RabbitMQ (aio-pika).

* Events: a durable topic exchange; publishes wait for the broker's confirm. Each subscription is a
  durable quorum queue with manual acks, a prefetch and a delivery limit: a message whose handler
  failed ``delivery_limit`` times is dead-lettered to ``<queue>.dlq`` (the queue's own
  ``x-delivery-limit`` is the broker-side backstop).
* Request/reply: one request queue per service; replies come back on a per-process exclusive
  queue, matched by correlation id; a caller waits at most ``timeout`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
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
from libs.shared.errors import RekomiError
from libs.shared.logging import request_id_var
from libs.shared.metrics import BUS_MESSAGES, RPC_SECONDS

log = logging.getLogger(__name__)

RpcHandler = Callable[[dict[str, Any]], Awaitable[Any]]
# Most calls one request message carries; larger bursts are split.
MAX_BATCH = 128


@dataclass(frozen=True, slots=True)
class Delivery:
    """An event as a consumer sees it."""

    message_id: str
    routing_key: str
    body: dict[str, Any]
    headers: dict[str, Any]
    redelivered: bool
    delivery_count: int


EventHandler = Callable[[Delivery], Awaitable[None]]


class RemoteError(RekomiError):
    """An error raised by the service that answered a request, carried back over the bus."""


class RpcTimeout(RekomiError):
    code = "upstream_timeout"


@dataclass
class _Pending:
    futures: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)


class Bus:
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
        self._rpc_channel: AbstractChannel | None = None
        self._events: AbstractExchange | None = None
        self._dead: AbstractExchange | None = None
        self._reply_queue: AbstractQueue | None = None
        self._pending = _Pending()
        self._rpc_handlers: dict[str, RpcHandler] = {}
        self._outgoing: dict[str, list[dict[str, Any]]] = {}
        self._sending: set[asyncio.Future[None]] = set()

    # ---- lifecycle -----------------------------------------------------------------------
    async def connect(self, wait_seconds: float = 60.0) -> None:
        async for attempt in AsyncRetrying(
            stop=stop_after_delay(wait_seconds), wait=wait_exponential(0.2, max=5),
            retry=retry_if_exception_type((ConnectionError, OSError)), reraise=True,
        ):
            with attempt:
                self._connection = await aio_pika.connect_robust(
                    self.url, client_properties={"connection_name": f"rekomi-{self.service}"})
        assert self._connection is not None
        self._confirm_channel = await self._connection.channel(publisher_confirms=True)
        self._rpc_channel = await self._connection.channel(publisher_confirms=False)
        await self._rpc_channel.set_qos(prefetch_count=self.prefetch)
        self._events = await self._confirm_channel.declare_exchange(
            f"{self.namespace}.events", aio_pika.ExchangeType.TOPIC, durable=True)
        self._dead = await self._confirm_channel.declare_exchange(
            f"{self.namespace}.dead", aio_pika.ExchangeType.DIRECT, durable=True)

    async def close(self) -> None:
        for future in self._pending.futures.values():
            if not future.done():
                future.cancel()
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    @property
    def is_connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    # ---- events --------------------------------------------------------------------------
    async def publish(self, routing_key: str, body: dict[str, Any], *, message_id: str,
                      headers: dict[str, Any] | None = None, timeout: float = 10.0) -> None:
        """Publish an event and return only once the broker has confirmed it."""
        assert self._events is not None, "connect() first"
        message = aio_pika.Message(
            jsonutil.dumps(body), message_id=message_id, content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT, headers=headers or {})
        await self._events.publish(message, routing_key, mandatory=False, timeout=timeout)

    async def subscribe(self, name: str, routing_keys: list[str], handler: EventHandler) -> None:
        """Consume events matching ``routing_keys`` into the durable queue
        ``<ns>.<service>.<name>``."""
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

        # A coroutine function, not a lambda returning a coroutine: aio-pika deprecates (warns
        # on) plain-function callbacks.
        async def on_message(message: AbstractIncomingMessage) -> None:
            await self._on_event(queue_name, message, handler)

        await queue.consume(on_message)

    async def _on_event(self, queue: str, message: AbstractIncomingMessage,
                        handler: EventHandler) -> None:
        headers = dict(message.headers or {})
        count = int(headers.get("x-delivery-count", 0) or 0)  # type: ignore[arg-type]
        request_id_var.set(_str_or_none(headers.get("x-request-id")))
        if count >= self.delivery_limit:
            # Every allowed attempt was spent already (consumers died holding it): dead-letter.
            log.error("event dead-lettered", extra={"queue": queue, "attempt": count + 1})
            BUS_MESSAGES.labels(queue, "dead_lettered").inc()
            await message.reject(requeue=False)
            return
        try:
            delivery = Delivery(
                message_id=message.message_id or "", routing_key=message.routing_key or "",
                body=jsonutil.loads(message.body), headers=headers,
                redelivered=bool(message.redelivered), delivery_count=count)
            await handler(delivery)
        except Exception:
            log.exception("event handler failed", extra={"queue": queue, "attempt": count + 1})
            BUS_MESSAGES.labels(queue, "failed").inc()
            if count + 1 >= self.delivery_limit:
                # The last allowed attempt failed: dead-letter it now. The broker's own limit
                # only fires once the count *exceeds* x-delivery-limit (one attempt later), so
                # it stays as the backstop.
                BUS_MESSAGES.labels(queue, "dead_lettered").inc()
                await message.reject(requeue=False)
                return
            # Back off a little so a transient fault (database restart) is not burned through
            # the delivery limit in a few milliseconds. reject, not nack: RabbitMQ >= 4.3 does
            # not count a nack-requeue as a failed delivery, so a nacked poison message would
            # never reach the limit.
            await asyncio.sleep(min(0.1 * 2**count, 2.0))
            await message.reject(requeue=True)
            return
        BUS_MESSAGES.labels(queue, "acked").inc()
        await message.ack()

    # ---- request / reply -----------------------------------------------------------------
    def _rpc_queue_name(self, service: str) -> str:
        return f"{self.namespace}.rpc.{service}"

    async def serve(self, handlers: dict[str, RpcHandler]) -> None:
        """Answer requests addressed to this service; ``handlers`` maps method name to handler."""
        assert self._rpc_channel is not None
        self._rpc_handlers.update(handlers)
        queue = await self._rpc_channel.declare_queue(
            self._rpc_queue_name(self.service), durable=True,
            arguments={"x-message-ttl": int(self.rpc_timeout * 1000)})
        await queue.consume(self._on_request)

    async def _on_request(self, message: AbstractIncomingMessage) -> None:
        """A request message carries a batch of calls; they run concurrently and their answers
        go back together in one reply message."""
        entries = jsonutil.loads(message.body)
        replies = await asyncio.gather(*(self._dispatch(entry) for entry in entries))
        if message.reply_to:
            assert self._rpc_channel is not None
            await self._rpc_channel.default_exchange.publish(
                aio_pika.Message(jsonutil.dumps(replies), content_type="application/json"),
                routing_key=message.reply_to)
        await message.ack()

    async def _dispatch(self, entry: dict[str, Any]) -> dict[str, Any]:
        # Runs in its own task (gather), so the request id set here stays with this call.
        request_id_var.set(entry.get("r"))
        reply = await self._answer(entry.get("m", ""), entry.get("p"))
        reply["c"] = entry.get("c")
        return reply

    async def _answer(self, method: str, payload: Any) -> dict[str, Any]:
        handler = self._rpc_handlers.get(method)
        if handler is None:
            return {"ok": False, "error": {"error": "unknown_method",
                                           "message": f"no handler for {method}", "field": None}}
        try:
            result = await handler(payload)
        except RekomiError as exc:
            BUS_MESSAGES.labels(method, "error_reply").inc()
            return {"ok": False, "error": exc.envelope()}
        except Exception:
            log.exception("rpc handler crashed", extra={"method": method})
            BUS_MESSAGES.labels(method, "crashed").inc()
            return {"ok": False, "error": {"error": "internal_error",
                                           "message": "internal error", "field": None}}
        BUS_MESSAGES.labels(method, "ok").inc()
        return {"ok": True, "data": result}

    async def _ensure_reply_queue(self) -> AbstractQueue:
        if self._reply_queue is None:
            assert self._rpc_channel is not None
            name = f"{self.namespace}.reply.{self.service}.{uuid.uuid4().hex}"
            queue = await self._rpc_channel.declare_queue(name, exclusive=True, auto_delete=True)
            await queue.consume(self._on_reply, no_ack=True)
            self._reply_queue = queue
        return self._reply_queue

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        for reply in jsonutil.loads(message.body):
            future = self._pending.futures.pop(reply.get("c") or "", None)
            if future is not None and not future.done():
                future.set_result(reply)

    async def call(self, service: str, method: str, payload: dict[str, Any],
                   timeout: float | None = None) -> Any:
        """Ask ``service`` to run ``method``; returns its data or raises its error.

        Calls made in the same event-loop turn travel together in one message (see
        ``_flush``), which divides the broker and framing cost per call under load and adds no
        wait when idle."""
        await self._ensure_reply_queue()
        timeout = timeout or self.rpc_timeout
        loop = asyncio.get_running_loop()
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._pending.futures[correlation_id] = future
        outgoing = self._outgoing.setdefault(service, [])
        outgoing.append({"c": correlation_id, "m": method, "p": payload,
                         "r": request_id_var.get()})
        if len(outgoing) == 1:
            loop.call_soon(self._flush, service, timeout)
        started = loop.time()
        try:
            reply = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise RpcTimeout(f"{service} did not answer {method} within {timeout}s") from None
        finally:
            self._pending.futures.pop(correlation_id, None)
            RPC_SECONDS.labels(method).observe(loop.time() - started)
        if reply.get("ok"):
            return reply.get("data")
        error = reply.get("error") or {}
        extra = {k: v for k, v in error.items() if k not in ("error", "message", "field")}
        raise RemoteError(error.get("message", ""), field=error.get("field"),
                          code=error.get("error", "internal_error"), extra=extra)

    def _flush(self, service: str, timeout: float) -> None:
        batch = self._outgoing.pop(service, [])
        for start in range(0, len(batch), MAX_BATCH):
            task = asyncio.ensure_future(self._send(service, batch[start:start + MAX_BATCH],
                                                    timeout))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, service: str, batch: list[dict[str, Any]], timeout: float) -> None:
        assert self._rpc_channel is not None and self._reply_queue is not None
        try:
            await self._rpc_channel.default_exchange.publish(
                aio_pika.Message(jsonutil.dumps(batch), reply_to=self._reply_queue.name,
                                 expiration=timeout, content_type="application/json"),
                routing_key=self._rpc_queue_name(service))
        except Exception as exc:  # the callers see the failure instead of a timeout
            for entry in batch:
                future = self._pending.futures.pop(entry["c"], None)
                if future is not None and not future.done():
                    future.set_exception(exc)


def _str_or_none(value: object) -> str | None:
    if isinstance(value, bytes):
        return value.decode()
    return value if isinstance(value, str) else None
