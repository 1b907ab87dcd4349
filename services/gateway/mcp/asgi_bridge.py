"""One aiohttp request handed to an ASGI app (the MCP SDK's Streamable HTTP transport) and its
answer read back. The SDK runs stateless with JSON answers here, so an answer is one body and
is buffered whole; ``extra`` scope keys carry what the gateway already knows about the call
(the authenticated principal) to the tool handlers, which read them from the request."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from aiohttp import web

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
AsgiApp = Callable[[Scope, Callable[[], Awaitable[Message]],
                    Callable[[Message], Awaitable[None]]], Awaitable[None]]


async def call_asgi(app: AsgiApp, request: web.Request, extra: dict[str, Any]
                    ) -> web.Response:
    body = await request.read()
    host, port = _server(request)
    scope: Scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": f"{request.version.major}.{request.version.minor}",
        "method": request.method, "scheme": request.scheme, "path": request.path,
        "raw_path": request.raw_path.split("?", 1)[0].encode(),
        "query_string": request.query_string.encode(), "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.raw_headers],
        "client": (request.remote or "", 0), "server": (host, port), "state": {}, **extra}
    sent_body = False
    finished = asyncio.Event()

    async def receive() -> Message:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()  # the client stays connected until the answer is complete
        return {"type": "http.disconnect"}

    status, headers, chunks = 500, [], []

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status, headers = message["status"], message.get("headers", [])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    try:
        await app(scope, receive, send)
    finally:
        finished.set()
    response = web.Response(status=status, body=b"".join(chunks))
    for name, value in headers:
        key = name.decode("latin-1")
        if key.lower() != "content-length":
            response.headers.add(key, value.decode("latin-1"))
    return response


def _server(request: web.Request) -> tuple[str, int]:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if isinstance(sockname, tuple) and len(sockname) >= 2:
        return str(sockname[0]), int(sockname[1])
    return request.host.split(":")[0], 80
