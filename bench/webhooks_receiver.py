"""The bench's webhook receiver: ``python -m bench.webhooks_receiver --port 0`` prints
``READY <port>``; ``POST /ok/<n>`` answers 200, ``POST /hang/<n>`` never answers, and
``GET /stats`` returns how many POSTs each kind got."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal

import uvloop
from aiohttp import web

COUNTS = {"ok": 0, "hang": 0}


async def ok(request: web.Request) -> web.Response:
    await request.read()
    COUNTS["ok"] += 1
    return web.Response(text="ok")


async def hang(request: web.Request) -> web.Response:
    COUNTS["hang"] += 1
    await asyncio.Event().wait()
    return web.Response(text="never")


async def stats(_request: web.Request) -> web.Response:
    return web.Response(text=json.dumps(COUNTS), content_type="application/json")


async def serve(port: int) -> None:
    app = web.Application()
    app.router.add_post("/ok/{n}", ok)
    app.router.add_post("/hang/{n}", hang)
    app.router.add_get("/stats", stats)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()
    print(f"READY {runner.addresses[0][1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    uvloop.run(serve(parser.parse_args().port))
