"""The gateway process: the aiohttp edge on ``REKOMI_GATEWAY_HOST:REKOMI_GATEWAY_PORT``."""

from __future__ import annotations

import asyncio
import signal

import uvloop
from aiohttp import web

from libs.shared.gc_tuning import tune_after_startup
from libs.shared.logging import configure_logging
from libs.shared.settings import get_settings
from services.gateway.entrypoints.http.app import create_app
from services.gateway.entrypoints.http.parse_errors import EnvelopeAppRunner
from services.gateway.entrypoints.http.parsing import PARSER_FIELD_LIMIT, PARSER_LINE_LIMIT


async def serve() -> None:
    settings = get_settings()
    # A header between HEADER_LIMIT and the parser's limit gets our 431 envelope (parsing.py);
    # what the parser itself refuses gets the envelope too (parse_errors.py).
    runner = EnvelopeAppRunner(create_app(settings), access_log=None,
                               max_line_size=PARSER_LINE_LIMIT,
                               max_field_size=PARSER_FIELD_LIMIT)
    await runner.setup()
    # reuse_port lets several gateway processes share one port on one host.
    await web.TCPSite(runner, settings.gateway_host, settings.gateway_port, reuse_port=True,
                      backlog=1024).start()
    tune_after_startup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    settings = get_settings()
    configure_logging("gateway", settings.log_level, settings.log_json)
    uvloop.run(serve())
