"""``rekomi dev receive-webhooks``, the receiver the README's first steps start: a webhook
registered to it over the API gets an affiliate's ``affiliate.created``, printed with its
signature checked; a delivery with a forged signature is answered 400."""

from __future__ import annotations

import asyncio
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from services.webhooks.domain import signing
from tests.common.affiliates_api import create_affiliate
from tests.common.api import create_program
from tests.common.orgs import Org
from tests.common.stack import ROOT
from tests.common.webhooks_api import create_webhook


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class Printed:
    """The command's standard output, read line by line as it comes."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc, self.lines = proc, list[str]()

    async def until(self, text: str, timeout: float = 15.0) -> str:
        """The output so far, once a line holds ``text``."""
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while not any(text in line for line in self.lines):
            left = deadline - time.monotonic()
            assert left > 0, f"{text!r} not printed; got {''.join(self.lines)}"
            line = await asyncio.wait_for(self.proc.stdout.readline(), left)
            assert line, f"the receiver exited; it printed {''.join(self.lines)}"
            self.lines.append(line.decode())
        return "".join(self.lines)


@asynccontextmanager
async def receive_webhooks(*args: str) -> AsyncIterator[Printed]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli", "dev", "receive-webhooks", *args, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE)
    try:
        printed = Printed(proc)
        await printed.until("Receiving webhooks at")
        yield printed
    finally:
        proc.terminate()
        await proc.wait()


async def test_a_new_affiliate_is_printed_with_its_signature_checked(
        http: aiohttp.ClientSession, org: Org) -> None:
    port = free_port()
    hook = await create_webhook(http, org, f"http://127.0.0.1:{port}/hooks",
                                events=["affiliate.created"])
    async with receive_webhooks("--port", str(port), "--secret", hook["secret"]) as printed:
        program = await create_program(http, org)
        affiliate = await create_affiliate(http, org, program["id"], email="ada@example.com")
        shown = await printed.until('"email": "ada@example.com"')
    assert "POST /hooks affiliate.created delivery " in shown
    assert ": signature ok" in shown and f'"id": "{affiliate["id"]}"' in shown, shown


async def test_a_forged_signature_is_answered_400() -> None:
    port, secret = free_port(), signing.new_secret()
    body = b'{"type": "webhook.test"}'
    forged = signing.signature_header([signing.new_secret()], int(time.time()), body)
    async with receive_webhooks("--port", str(port), "--secret", secret) as printed, \
            aiohttp.ClientSession() as client:
        async with client.post(f"http://127.0.0.1:{port}/hooks", data=body,
                               headers={"X-Rekomi-Signature": forged,
                                        "X-Rekomi-Event": "webhook.test"}) as response:
            assert response.status == 400
        assert "webhook.test delivery ?: signature INVALID" in await printed.until("INVALID")
