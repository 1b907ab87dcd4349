"""Real Chromium for the browser tests (Debian's chromium driven by Playwright, no browser
download) and brand pages served on local origins of their own."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
# `make test` installs chromium and sets REKOMI_BROWSER_TESTS=required, so there a missing
# browser fails the run instead of skipping it; a bare `pytest` elsewhere may skip.
REQUIRES_CHROMIUM = pytest.mark.skipif(
    shutil.which("chromium") is None and os.environ.get("REKOMI_BROWSER_TESTS") != "required",
    reason="Debian's chromium is not installed (apt-get install chromium)")


@dataclass
class LocalPages:
    """One page served on each of ``origins`` (http://localhost:PORT); the test sets
    ``html``, read at every request."""

    html: str = ""
    origins: list[str] = field(default_factory=list)


@asynccontextmanager
async def local_pages(count: int) -> AsyncIterator[LocalPages]:
    served = LocalPages()

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=served.html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", page)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        for _ in range(count):
            tcp = web.TCPSite(runner, "localhost", 0)
            await tcp.start()
            port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            served.origins.append(f"http://localhost:{port}")
        yield served
    finally:
        await runner.cleanup()


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """A launched headless Chromium (Playwright's Browser), closed on the way out."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            await browser.close()
