"""Request/reply over RabbitMQ, mixed into ``Bus``: one request queue per service; replies come
back on a per-process exclusive queue, matched by correlation id; a caller waits at most
``timeout`` seconds. Calls made in the same event-loop turn travel as one batch message."""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from libs.shared import jsonutil
from libs.shared.bus_rpc_serve import AnswerRequests
from libs.shared.errors import RekomiError
from libs.shared.logging import request_id_var
from libs.shared.metrics import RPC_MESSAGE_ROUND_TRIP, RPC_SECONDS, child

log = logging.getLogger(__name__)

# Most calls one request message carries; larger bursts are split.
MAX_BATCH = 128
# How long a call waits for company while others are in flight (see ``call``). With 1,500
# signed sales/s offered on two saturated cores, the S2S p50 was 186-323 ms in five runs at
# 1 ms and 31-109 ms in five at 4 ms (interleaved): fewer, fuller messages cost tracking and
# the broker less CPU, and that outweighs the wait.
LINGER_SECONDS = 0.004
# Bulk ingestion (signed S2S sales and leads from brands' servers, which do not wait on a
# person) waits longer for company. At 3,000 sales/s on two cores, 12 ms instead of 4 ms cut
# the stack's CPU from 180-193% to 161-171% of a core and the p99 from 38-210 ms to 38-116 ms
# in four interleaved runs each (p50 15-23 -> 19-21 ms); 16 ms cut CPU further but the wait
# itself began to show in the p99.
INGEST_LINGER_SECONDS = 0.012
# While tracking answers slowly (cores saturated), ingestion lingers as long as a round trip
# takes, up to this (see ``_linger``). At 3,000 sales/s on two slow cores, against the fixed
# 12 ms in two interleaved pairs of 60-s runs: stack CPU 183/181% vs 193/188% of a core, p50
# 30/28 ms vs 92/42 ms, p99 119/159 ms vs 1,221/283 ms.
INGEST_MAX_LINGER_SECONDS = 0.024
# Weight of the newest round trip in a service's moving average.
ROUND_TRIP_WEIGHT = 0.2
# Request messages whose reply is still awaited; past this many (replies lost to timeouts),
# the record is dropped: it only feeds the moving average.
MAX_TIMED_MESSAGES = 1024


class RemoteError(RekomiError):
    """An error raised by the service that answered a request, carried back over the bus."""


class RpcTimeout(RekomiError):
    code = "upstream_timeout"


class RpcUnavailable(RekomiError):
    code = "upstream_unavailable"


class RequestReply(AnswerRequests):
    """The request/reply half of the bus (the calling side here, the answering side in
    ``AnswerRequests``); ``Bus`` provides the channel and naming."""

    namespace: str
    service: str
    rpc_timeout: float
    _connection: AbstractRobustConnection | None
    _rpc_channel: AbstractChannel | None
    _reply_queue: AbstractQueue | None
    _futures: dict[str, asyncio.Future[dict[str, Any]]]
    _outgoing: dict[str, list[dict[str, Any]]]
    _casts: dict[str, list[dict[str, Any]]]
    _sending: set[asyncio.Future[None]]
    _reopening: asyncio.Lock
    _sequence: itertools.count[int]
    _round_trip: dict[str, float]
    _timed: dict[str, tuple[str, float]]

    def _init_rpc(self) -> None:
        self._reply_queue = None
        # Correlation ids only have to be unique among this process's calls (its reply queue
        # is its own): a counter, where uuid4 cost 2 us a call.
        self._sequence = itertools.count(1)
        self._futures = {}
        self._rpc_handlers = {}  # AnswerRequests's
        self._outgoing = {}
        self._casts = {}
        self._sending = set()
        self._reopening = asyncio.Lock()
        self._round_trip = {}
        self._timed = {}

    def _cancel_pending(self) -> None:
        for future in self._futures.values():
            if not future.done():
                future.cancel()

    async def _ensure_reply_queue(self) -> AbstractQueue:
        if self._reply_queue is None:
            assert self._rpc_channel is not None
            name = f"{self.namespace}.reply.{self.service}.{uuid.uuid4().hex}"
            queue = await self._rpc_channel.declare_queue(name, exclusive=True, auto_delete=True)
            await queue.consume(self._on_reply, no_ack=True)
            self._reply_queue = queue
        return self._reply_queue

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        timed = self._timed.pop(message.correlation_id or "", None)
        if timed is not None:
            service, sent = timed
            took = asyncio.get_running_loop().time() - sent
            before = self._round_trip.get(service, took)
            self._round_trip[service] = average = before + ROUND_TRIP_WEIGHT * (took - before)
            child(RPC_MESSAGE_ROUND_TRIP, service).set(average)
        for reply in jsonutil.loads(message.body):
            future = self._futures.pop(reply.get("c") or "", None)
            if future is not None and not future.done():
                future.set_result(reply)

    async def call(self, service: str, method: str, payload: dict[str, Any],
                   timeout: float | None = None, *, linger: float = LINGER_SECONDS,
                   max_linger: float | None = None) -> Any:
        """Ask ``service`` to run ``method``; returns its data or raises its error.

        Calls made in the same event-loop turn travel together in one message (see
        ``_flush``), which divides the broker and framing cost per call under load and adds no
        wait when idle. While other calls await answers, the first call of a message waits
        ``linger`` seconds for the next ones; with ``max_linger``, as long as the service's
        recent round trip when that is longer, up to ``max_linger``."""
        if self._reply_queue is None:
            await self._ensure_reply_queue()
        timeout = timeout or self.rpc_timeout
        loop = asyncio.get_running_loop()
        correlation_id = str(next(self._sequence))
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        busy = bool(self._futures)
        self._futures[correlation_id] = future
        outgoing = self._outgoing.setdefault(service, [])
        outgoing.append({"c": correlation_id, "m": method, "p": payload,
                         "r": request_id_var.get()})
        if len(outgoing) == 1:
            # Idle: the call leaves at the end of this loop turn. Busy (calls are waiting for
            # answers already): it lingers a moment so the calls of the next few turns share
            # its message, since the per-message cost on both sides and in the broker is far
            # more than the per-call cost.
            if busy:
                delay = linger if max_linger is None else self._linger(service, linger, max_linger)
                loop.call_later(delay, self._flush, service, timeout)
            else:
                loop.call_soon(self._flush, service, timeout)
        started = loop.time()
        # A timer on the future itself: wait_for wraps each call in more machinery than the
        # rest of the call costs, and every S2S sale makes one.
        timer = loop.call_later(timeout, _expire, future, service, method, timeout)
        try:
            reply = await future
        finally:
            timer.cancel()
            self._futures.pop(correlation_id, None)
            child(RPC_SECONDS, method).observe(loop.time() - started)
        if reply.get("ok"):
            return reply.get("data")
        error = reply.get("error") or {}
        extra = {k: v for k, v in error.items() if k not in ("error", "message", "field")}
        raise RemoteError(error.get("message", ""), field=error.get("field"),
                          code=error.get("error", "internal_error"), extra=extra)

    def _linger(self, service: str, linger: float, max_linger: float) -> float:
        """``linger``, or the service's recent round trip when that is longer, up to
        ``max_linger``. A fixed linger sends as many messages a second however busy the cores
        are; this one sends fewer, fuller ones as the answers slow down, and that frees the CPU
        the answers were waiting for."""
        return min(max_linger, max(linger, self._round_trip.get(service, 0.0)))

    def round_trip(self, service: str) -> float | None:
        """The moving average of request-to-reply seconds for messages sent to ``service``."""
        return self._round_trip.get(service)

    def cast(self, service: str, method: str, payload: dict[str, Any]) -> None:
        """Have ``service`` run ``method`` without waiting for, or getting, an answer: for
        work whose result the caller would ignore (a tracking pixel's click). Batched per
        loop turn like ``call``; a message not taken within the RPC timeout expires (bounded
        loss, as for anything unconfirmed)."""
        outgoing = self._casts.setdefault(service, [])
        outgoing.append({"m": method, "p": payload, "r": request_id_var.get()})
        if len(outgoing) == 1:
            asyncio.get_running_loop().call_soon(self._flush_casts, service)

    def _flush_casts(self, service: str) -> None:
        self._send_in_batches(self._casts.pop(service, []),
                              lambda part: self._send_cast(service, part))

    async def _send_cast(self, service: str, batch: list[dict[str, Any]]) -> None:
        assert self._rpc_channel is not None
        try:
            await self._rpc_channel.default_exchange.publish(
                aio_pika.Message(jsonutil.dumps(batch), expiration=self.rpc_timeout,
                                 content_type="application/json"),
                routing_key=self._rpc_queue_name(service), mandatory=False)
        except Exception as exc:
            log.warning("rpc cast failed; %d calls dropped", len(batch),
                        extra={"service": service, "error": repr(exc)})
            await self._reopen_rpc_channel()

    def _flush(self, service: str, timeout: float) -> None:
        self._send_in_batches(self._outgoing.pop(service, []),
                              lambda part: self._send(service, part, timeout))

    def _send_in_batches(self, batch: list[dict[str, Any]],
                         send: Callable[[list[dict[str, Any]]], Awaitable[None]]) -> None:
        for start in range(0, len(batch), MAX_BATCH):
            task = asyncio.ensure_future(send(batch[start:start + MAX_BATCH]))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, service: str, batch: list[dict[str, Any]], timeout: float) -> None:
        assert self._rpc_channel is not None and self._reply_queue is not None
        message_id = f"m{next(self._sequence)}"
        if len(self._timed) >= MAX_TIMED_MESSAGES:
            self._timed.clear()
        self._timed[message_id] = (service, asyncio.get_running_loop().time())
        try:
            await self._rpc_channel.default_exchange.publish(
                aio_pika.Message(jsonutil.dumps(batch), reply_to=self._reply_queue.name,
                                 correlation_id=message_id, expiration=timeout,
                                 content_type="application/json"),
                routing_key=self._rpc_queue_name(service), mandatory=False)
        except Exception as exc:  # the callers see the failure instead of a timeout
            self._timed.pop(message_id, None)
            log.warning("rpc publish failed", extra={"service": service, "error": repr(exc)})
            for entry in batch:
                future = self._futures.pop(entry["c"], None)
                if future is not None and not future.done():
                    future.set_exception(RpcUnavailable(f"{service} is unreachable now"))
            await self._reopen_rpc_channel()

    async def _reopen_rpc_channel(self) -> None:
        """A channel the broker closed (restart, channel error) is reopened here when the
        connection itself is back, so one failure does not poison every later call."""
        channel = self._rpc_channel
        if channel is None or not channel.is_closed or self._reopening.locked():
            return
        if self._connection is None or not self._connection.connected.is_set():
            return  # the broker is away: the robust connection restores the channel on return
        async with self._reopening:
            try:
                await channel.reopen()
            except Exception as exc:  # the robust connection will retry; so will the next call
                log.warning("rpc channel reopen failed", extra={"error": repr(exc)})


def _expire(future: asyncio.Future[dict[str, Any]], service: str, method: str,
            timeout: float) -> None:
    if not future.done():
        future.set_exception(RpcTimeout(f"{service} did not answer {method} within {timeout}s"))
