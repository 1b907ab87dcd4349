"""localstripe with transfers (``tests.common.localstripe_plugin``) in a subprocess on a free
loopback port, and a small client to set it up and look at what it did."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "sk_test_rekomi"  # localstripe takes any key that starts with sk_ (or rk_)


@dataclass
class LocalStripe:
    base: str
    session: aiohttp.ClientSession

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {API_KEY}"}
        async with self.session.request(method, self.base + path, headers=headers,
                                        **kwargs) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def connected_account(self) -> str:
        """A new Express account with the transfers capability; its ``acct_...`` id."""
        account = await self._call("POST", "/v1/accounts", data={
            "type": "express", "capabilities[transfers][requested]": "true"})
        return str(account["id"])

    async def transfers(self, destination: str) -> list[dict[str, Any]]:
        listing = await self._call("GET", "/v1/transfers",
                                   params={"destination": destination, "limit": "100"})
        return list(listing["data"])

    async def faults(self, **knobs: Any) -> dict[str, Any]:
        """Set fault knobs (``tests.common.fault_knobs.Faults`` fields); the knobs now."""
        if knobs:
            return dict(await self._call("POST", "/_config/faults", json=knobs))
        return dict(await self._call("GET", "/_config/faults"))


@asynccontextmanager
async def running_localstripe() -> AsyncIterator[LocalStripe]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.common.localstripe_plugin", "--port", "0",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    try:
        assert process.stdout is not None
        port = int(await asyncio.wait_for(process.stdout.readline(), timeout=20))
        async with aiohttp.ClientSession() as session:
            stripe = LocalStripe(f"http://127.0.0.1:{port}", session)
            await _until_answers(stripe)
            yield stripe
    finally:
        process.terminate()
        await process.wait()


async def _until_answers(stripe: LocalStripe) -> None:
    # The port is printed just before the server starts accepting.
    for _ in range(100):
        try:
            await stripe.faults()
            return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.05)
    raise RuntimeError("localstripe did not start")


def start_localstripe() -> tuple[subprocess.Popen[bytes], str]:
    """The same server for a whole session (the e2e stack's Stripe): the process and its base
    URL, answering once this returns. Stop it with ``terminate``."""
    process = subprocess.Popen([sys.executable, "-m", "tests.common.localstripe_plugin",
                                "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE)
    assert process.stdout is not None
    base = f"http://127.0.0.1:{int(process.stdout.readline())}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), 1):
                return process, base
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.terminate()
                raise RuntimeError("localstripe did not start") from None
            time.sleep(0.05)
