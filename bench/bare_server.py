"""The baseline: a bare aiohttp handler on uvloop answering a fixed ~600-byte JSON body.

Run as ``python -m bench.bare_server --port 0``: it prints ``READY <port>`` once listening and
stops on SIGTERM/SIGINT. :class:`BareServer` starts and stops it from the bench.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import subprocess
import sys
from types import TracebackType

import uvloop
from aiohttp import web

from bench import procs
from bench.common import ROOT, BenchError

PATH = "/api/v1/programs/{id}"
# Shaped like a ProgramResponse, so the bytes on the wire are comparable.
BODY = json.dumps({
    "id": "0190f3c2-7d1e-7a4b-9c5d-3e2f1a0b9c8d", "name": "Bench", "slug": "bench",
    "description": None, "termsUrl": None, "isActive": True,
    "defaultCommissionType": "Percentage", "defaultCommissionValue": 20.0,
    "defaultCommissionModel": "Cps", "cookieWindowDays": 30, "recurringMonths": None,
    "recurringDelayInvoices": 0, "attributionModel": "LastTouch", "autoApprove": False,
    "customDomain": None, "customDomainVerified": False, "networkVisibility": "Private",
    "isPubliclyDiscoverable": False, "createdAt": "2025-01-01T00:00:00.000000Z",
    "updatedAt": "2025-01-01T00:00:00.000000Z", "archivedAt": None,
}, separators=(",", ":")).encode()


async def program(_request: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="application/json")


async def serve(host: str, port: int) -> None:
    app = web.Application()
    app.router.add_get(PATH, program)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port, backlog=1024).start()
    print(f"READY {runner.addresses[0][1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    uvloop.run(serve(args.host, args.port))
    return 0


class BareServer:
    """The baseline server as a child process: ``with BareServer() as server: server.url``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{PATH.format(id='bench')}"

    def start(self) -> None:
        self.proc = procs.spawn([sys.executable, "-m", "bench.bare_server", "--host", self.host],
                                cwd=ROOT, stdout=subprocess.PIPE)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode().split()
        if len(line) != 2 or line[0] != "READY":
            self.stop()
            raise BenchError(f"bare server did not start (said {line!r})")
        self.port = int(line[1])

    def stop(self) -> None:
        if self.proc is not None:
            procs.stop(self.proc, grace=5.0)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None

    def __enter__(self) -> BareServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


if __name__ == "__main__":
    sys.exit(main())
