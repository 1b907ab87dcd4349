"""``rekomi dev receive-webhooks``: a webhook receiver for local development. It prints every
delivery it gets and, given the endpoint's secret, checks its signature the way a brand's
receiver should (an invalid one is answered 400, which the dispatcher retries)."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import datetime

from aiohttp import web

TOLERANCE_SECONDS = 300  # a signature older (or newer) than this is refused, against replays


def verify(header: str, body: bytes, secret: str, *, now: float,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """``X-Rekomi-Signature: t=<unix>,v1=<hex>[,v1=<hex>]``: one ``v1`` must be HMAC-SHA256
    over ``<unix>.<body>`` keyed with ``secret``, and ``<unix>`` must be recent."""
    items = [part.split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for key, value in items if key == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit() or abs(now - int(stamps[0])) > tolerance:
        return False
    expected = hmac.new(secret.encode(), stamps[0].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, value) for key, value in items if key == "v1")


def describe(request: web.Request, body: bytes, secret: str | None, *, now: float
             ) -> tuple[int, str]:
    """The status to answer and what to print for one delivery."""
    if secret is None:
        status, check = 200, "signature not checked (start with --secret whsec_...)"
    elif verify(request.headers.get("X-Rekomi-Signature", ""), body, secret, now=now):
        status, check = 200, "signature ok"
    else:
        status, check = 400, "signature INVALID (answered 400)"
    try:
        shown = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except ValueError:
        shown = body.decode(errors="replace")
    stamp = datetime.fromtimestamp(now).strftime("%H:%M:%S")
    event = request.headers.get("X-Rekomi-Event", "?")
    delivery = request.headers.get("X-Rekomi-Delivery-Id", "?")
    return status, f"{stamp} {request.method} {request.path} {event} delivery {delivery}: " \
                   f"{check}\n{shown}\n"


def make_app(secret: str | None, out: Callable[[str], None]) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        status, text = describe(request, await request.read(), secret, now=time.time())
        out(text)
        return web.Response(status=status, text="ok" if status == 200 else "bad signature")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", receive)
    return app


def _print(text: str) -> None:
    print(text, flush=True)


def _run(args: argparse.Namespace) -> int:
    checking = "checking signatures" if args.secret else "not checking signatures"
    banner = f"Receiving webhooks at http://{args.host}:{args.port}/ ({checking}); Ctrl-C stops"
    # run_app prints once the port is bound: the banner then means "ready".
    web.run_app(make_app(args.secret, _print), host=args.host, port=args.port,
                print=lambda _started: _print(banner), handle_signals=True)
    return 0


def add_dev_commands(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="dev_command", required=True)
    receive = sub.add_parser("receive-webhooks", help="a local receiver that prints each "
                             "webhook delivery and checks its signature")
    receive.add_argument("--port", type=int, default=9000)
    receive.add_argument("--host", default="127.0.0.1")
    receive.add_argument("--secret", help="the endpoint's whsec_... secret (shown when it was "
                         "created); without it signatures are not checked")
    receive.set_defaults(handler=_run)

