"""Consuming events, mixed into ``Bus``: what happens to a message whose handler fails. A
batch that fails is retried message by message, so one poison message is parked without its
neighbours; a failure is retried with a short back-off up to ``delivery_limit`` attempts and
then dead-lettered to ``<queue>.dlq``; a database outage is waited out in place instead of
spending those attempts (``_handle_patiently``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aio_pika
from aio_pika.abc import AbstractExchange, AbstractIncomingMessage

from libs.shared import jsonutil
from libs.shared.bus_messages import (
    PACKED,
    Delivery,
    deliveries_of,
    delivery_count,
    header_text,
)
from libs.shared.db import database_unavailable
from libs.shared.logging import request_id_var
from libs.shared.metrics import BUS_MESSAGES, child

log = logging.getLogger(__name__)

EventHandler = Callable[[Delivery], Awaitable[None]]
BatchHandler = Callable[[list[Delivery]], Awaitable[None]]
# How long an event handler is retried in place while the database is unavailable before the
# failure counts towards the delivery limit.
OUTAGE_PATIENCE_SECONDS = 60.0


class ConsumeEvents:
    """The consuming half of the bus; ``Bus`` provides the delivery limit and the exchange
    dead-lettered events of a pack are parked through."""

    delivery_limit: int
    _dead: AbstractExchange | None

    async def _on_batch(self, queue: str, messages: list[AbstractIncomingMessage],
                        handler: BatchHandler) -> None:
        # One message may be a pack of many events: it goes through the batch handler too
        # (one transaction for the pack), not event by event.
        if len(messages) > 1 or PACKED in (messages[0].headers or {}):
            try:
                deliveries = [d for m in messages for d in deliveries_of(m)]
                fresh = [m for m in messages if delivery_count(m) < self.delivery_limit]
                if len(fresh) == len(messages):
                    await handler(deliveries)
                    for message in messages:
                        await message.ack()
                    child(BUS_MESSAGES, queue, "acked").inc(len(messages))
                    return
            except Exception:
                log.warning("event batch failed; retrying its messages one by one",
                            extra={"queue": queue, "size": len(messages)}, exc_info=True)

        async def alone(delivery: Delivery) -> None:
            await handler([delivery])

        for message in messages:
            await self._on_event(queue, message, alone)

    async def _handle_each(self, queue: str, message: AbstractIncomingMessage,
                           handler: EventHandler) -> None:
        """A plain message's failure raises as is; a pack's events are each tried, and the
        ones that failed are reported together (the rest are applied: consumers are
        idempotent, so a redelivery of the whole pack changes nothing for them)."""
        deliveries = deliveries_of(message)
        if len(deliveries) == 1 and PACKED not in (message.headers or {}):
            await handler(deliveries[0])
            return
        failed: list[Delivery] = []
        unavailable = True
        for delivery in deliveries:
            request_id_var.set(header_text(delivery.headers, "x-request-id"))
            try:
                await handler(delivery)
            except Exception as exc:
                log.warning("event of a pack failed", exc_info=True,
                            extra={"queue": queue, "message_id": delivery.message_id})
                failed.append(delivery)
                unavailable = unavailable and database_unavailable(exc)
        if failed:
            raise _PackPartlyFailed(failed, unavailable)

    async def _handle_patiently(self, queue: str, message: AbstractIncomingMessage,
                                handler: EventHandler) -> None:
        """``_handle_each``, tried again in place while the database is away (a restart takes
        seconds): an outage is not the message's fault, so it must not spend the delivery
        limit that parks poison messages (it did: five quick attempts during a 3-s PostgreSQL
        restart dead-lettered payout.paid events in make chaos). Past OUTAGE_PATIENCE_SECONDS
        the failure counts as usual."""
        waited, delay = 0.0, 0.25
        while True:
            try:
                await self._handle_each(queue, message, handler)
                return
            except Exception as exc:
                if not _outage(exc) or waited >= OUTAGE_PATIENCE_SECONDS:
                    raise
                log.warning("event handler: database unavailable; trying again",
                            extra={"queue": queue, "in_seconds": delay})
                await asyncio.sleep(delay)
                waited += delay
                delay = min(delay * 2, 2.0)

    async def _dead_letter(self, queue: str, deliveries: list[Delivery]) -> None:
        """Park events of a pack in ``<queue>.dlq`` one message each, as the broker would."""
        assert self._dead is not None
        for delivery in deliveries:
            message = aio_pika.Message(
                jsonutil.dumps(delivery.body), message_id=delivery.message_id,
                content_type="application/json", delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                headers={**delivery.headers, "x-rekomi-dead-lettered-from": delivery.routing_key})
            await self._dead.publish(message, queue, mandatory=False)

    async def _on_event(self, queue: str, message: AbstractIncomingMessage,
                        handler: EventHandler) -> None:
        headers = dict(message.headers or {})
        count = delivery_count(message)
        request_id_var.set(header_text(headers, "x-request-id"))
        if count >= self.delivery_limit:
            # Every allowed attempt was spent already (consumers died holding it): dead-letter.
            log.error("event dead-lettered", extra={"queue": queue, "attempt": count + 1})
            BUS_MESSAGES.labels(queue, "dead_lettered").inc()
            await message.reject(requeue=False)
            return
        try:
            await self._handle_patiently(queue, message, handler)
        except Exception as exc:
            log.exception("event handler failed", extra={"queue": queue, "attempt": count + 1})
            BUS_MESSAGES.labels(queue, "failed").inc()
            if count + 1 >= self.delivery_limit:
                # The last allowed attempt failed: dead-letter it now. The broker's own limit
                # only fires once the count *exceeds* x-delivery-limit (one attempt later), so
                # it stays as the backstop. Of a pack, only the events that failed go.
                BUS_MESSAGES.labels(queue, "dead_lettered").inc()
                if isinstance(exc, _PackPartlyFailed):
                    await self._dead_letter(queue, exc.failed)
                    await message.ack()
                else:
                    await message.reject(requeue=False)
                return
            # Back off a little so a transient fault (database restart) is not burned through
            # the delivery limit in a few milliseconds. reject, not nack: RabbitMQ >= 4.3 does
            # not count a nack-requeue as a failed delivery, so a nacked poison message would
            # never reach the limit.
            await asyncio.sleep(min(0.1 * 2**count, 2.0))
            await message.reject(requeue=True)
            return
        child(BUS_MESSAGES, queue, "acked").inc()
        await message.ack()


class _PackPartlyFailed(Exception):
    def __init__(self, failed: list[Delivery], unavailable: bool) -> None:
        super().__init__(f"{len(failed)} events of a pack failed")
        self.failed = failed
        self.unavailable = unavailable  # every one failed because the database was away


def _outage(exc: BaseException) -> bool:
    """The handler failed because the database was away, not because of the message."""
    if isinstance(exc, _PackPartlyFailed):
        return exc.unavailable
    return database_unavailable(exc)
