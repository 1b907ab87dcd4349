"""The answering side of request/reply, mixed into ``Bus`` through ``RequestReply``: a
service's request queue, each request message's batch of calls run concurrently, and their
answers sent back together on the caller's reply queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage

from libs.shared import jsonutil
from libs.shared.db import database_unavailable
from libs.shared.errors import RekomiError
from libs.shared.logging import request_id_var
from libs.shared.metrics import BUS_MESSAGES, child

log = logging.getLogger(__name__)

RpcHandler = Callable[[dict[str, Any]], Awaitable[Any]]


class AnswerRequests:
    namespace: str
    service: str
    rpc_timeout: float
    _rpc_channel: AbstractChannel | None
    _rpc_handlers: dict[str, RpcHandler]

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
                aio_pika.Message(jsonutil.dumps(replies), content_type="application/json",
                                 correlation_id=message.correlation_id),
                routing_key=message.reply_to, mandatory=False)
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
        except Exception as exc:
            if database_unavailable(exc):  # a restart or an outage: the caller may retry
                log.warning("rpc handler: database unavailable",
                            extra={"method": method, "error": repr(exc)})
                BUS_MESSAGES.labels(method, "unavailable").inc()
                return {"ok": False, "error": {
                    "error": "upstream_unavailable", "field": None,
                    "message": "a server this call needs is unavailable; retry shortly"}}
            log.exception("rpc handler crashed", extra={"method": method})
            BUS_MESSAGES.labels(method, "crashed").inc()
            return {"ok": False, "error": {"error": "internal_error",
                                           "message": "internal error", "field": None}}
        child(BUS_MESSAGES, method, "ok").inc()
        return {"ok": True, "data": result}
