"""Fault injection for the fake payment providers, placed like an edge in front of the fake:
the next ``count`` calls matching ``method`` and ``path`` (a glob) answer ``status`` either
before the fake acts (``when="before"``: nothing happens, as with a rate limiter) or after it
acted (``when="after"``: the money moved, the answer is lost), ``delay`` seconds late.
``status`` 0 with ``when="after"`` sends the real answer, late (for client timeouts)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware


@dataclass
class Faults:
    method: str = "POST"
    path: str = ""
    status: int = 500
    count: int = 0
    when: str = "before"
    delay: float = 0.0
    calls: int = 0  # calls that matched, faulted or not

    def next(self, count: int, status: int = 500, *, path: str | None = None,
             method: str = "POST", when: str = "before", delay: float = 0.0) -> None:
        self.count, self.status, self.method, self.when, self.delay = (
            count, status, method, when, delay)
        if path is not None:
            self.path = path

    def matches(self, request: web.Request) -> bool:
        return request.method == self.method and fnmatchcase(request.path, self.path)


def fault_middleware(faults: Faults, error: Callable[[int], web.Response]) -> Middleware:
    """``error(status)`` builds the provider's own error answer for an injected status."""

    @web.middleware
    async def inject(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not faults.matches(request):
            return await handler(request)
        faults.calls += 1
        if faults.count <= 0:
            return await handler(request)
        faults.count -= 1
        answer = error(faults.status) if faults.when == "before" else await handler(request)
        await asyncio.sleep(faults.delay)
        return answer if faults.status == 0 else error(faults.status)

    return inject
