"""``/healthz``, ``/readyz`` and ``/metrics``: mounted on the gateway, served alone elsewhere."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from libs.shared import metrics

ReadinessCheck = Callable[[], Awaitable[bool]]


def ops_routes(ready: ReadinessCheck) -> list[web.RouteDef]:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_request: web.Request) -> web.Response:
        try:
            ok = await ready()
        except Exception:  # a failing dependency means "not ready", never a crash
            ok = False
        return web.json_response({"status": "ready" if ok else "not_ready"},
                                 status=200 if ok else 503)

    async def metrics_view(_request: web.Request) -> web.Response:
        body, content_type = metrics.render()
        return web.Response(body=body, headers={"Content-Type": content_type})

    return [web.get("/healthz", healthz), web.get("/readyz", readyz),
            web.get("/metrics", metrics_view)]


async def start_ops_server(host: str, port: int, ready: ReadinessCheck) -> web.AppRunner:
    app = web.Application()
    app.add_routes(ops_routes(ready))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port, reuse_address=True).start()
    return runner
