"""A real HTTP receiver for webhook tests: an aiohttp server on 127.0.0.1 whose paths answer
with scripted statuses (or hang), recording every request it gets."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

HANG = -1  # a scripted "status" that never answers


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    @property
    def delivery_id(self) -> str:
        return self.headers["X-Rekomi-Delivery-Id"]


@dataclass
class Receiver:
    """``script[path]`` is the list of statuses to answer in turn (the last one repeats)."""

    port: int = 0
    script: dict[str, list[int]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    inflight: dict[str, int] = field(default_factory=dict)
    max_inflight: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.received.append(Received(request.path, dict(request.headers), await request.read(),
                                      time.monotonic()))
        statuses = self.script.get(request.path, [200])
        status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
        if status == HANG:
            await self._hang(request)
            status = 200
        return web.Response(status=status, text="x" * 5000 if status >= 500 else "ok")

    async def _hang(self, request: web.Request) -> None:
        """Never answers; the request counts as in flight until the sender gives up on it
        (closes the connection, as a timed-out attempt does: the server then cancels this
        handler at once) or the receiver stops. Polling the transport instead counted a
        closed request for up to a poll interval, long enough for a dispatcher to record the
        timeout and send the next attempt meanwhile."""
        path = request.path
        self.inflight[path] = self.inflight.get(path, 0) + 1
        self.max_inflight[path] = max(self.max_inflight.get(path, 0), self.inflight[path])
        try:
            await self.release.wait()
        finally:
            self.inflight[path] -= 1


@asynccontextmanager
async def receiver(**script: list[int]) -> AsyncIterator[Receiver]:
    """Paths as keyword names: ``receiver(hook=[500, 200])`` scripts ``/hook``."""
    state = Receiver(script={f"/{name}": list(s) for name, s in script.items()})
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", state.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.port = runner.addresses[0][1]
    try:
        yield state
    finally:
        state.release.set()
        await runner.cleanup()


def verify(received: Received, secret: str, tolerance: int = 300) -> bool:
    """A Stripe-style verifier: any ``v1`` matching HMAC-SHA256(secret, "<t>.<body>")."""
    items = [part.split("=", 1) for part in received.headers["X-Rekomi-Signature"].split(",")]
    stamps = [int(v) for k, v in items if k == "t"]
    if len(stamps) != 1 or abs(time.time() - stamps[0]) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{stamps[0]}.".encode() + received.body,
                        hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, v) for k, v in items if k == "v1")
