"""Starting the five services as real processes for end-to-end tests, and driving the CLI
(orgs and keys for tests are made in-process: tests/common/orgs.py)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp

from libs.shared.settings import SERVICES, Settings
from tests.common.env import stack_ports

ROOT = Path(__file__).resolve().parents[2]


def rekomi(*args: str, env: dict[str, str] | None = None, check: bool = True
           ) -> subprocess.CompletedProcess[str]:
    """Run the ``rekomi`` command as an operator would."""
    return subprocess.run([sys.executable, "-m", "services.cli", *args], cwd=ROOT,
                          env=env or os.environ.copy(), capture_output=True, text=True,
                          check=check, timeout=60)


def rekomi_json(*args: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(rekomi(*args, "--json").stdout)
    return result


class Stack:
    """``rekomi run`` in a subprocess, waited on until every service is ready."""

    def __init__(self, settings: Settings, extra_env: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.env = {**os.environ, **(extra_env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.gateway_port}"

    def ready_urls(self) -> list[str]:
        urls = [f"{self.base_url}/readyz"]
        urls += [f"http://127.0.0.1:{self.settings.ops_port(name)}/readyz"
                 for name in SERVICES if name != "gateway"]
        return urls

    async def start(self, timeout: float = 30.0) -> None:
        rekomi("migrate", env=self.env)
        self.proc = subprocess.Popen([sys.executable, "-m", "services.cli", "run"], cwd=ROOT,
                                     env=self.env, start_new_session=True)
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            for url in self.ready_urls():
                while not await _ok(session, url):
                    if self.proc.poll() is not None:
                        raise RuntimeError(f"stack exited with {self.proc.returncode}")
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{url} not ready within {timeout}s")
                    await asyncio.sleep(0.2)

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode


def stack_at(offsets: tuple[int, int], extra_env: dict[str, str] | None = None) -> Stack:
    """A stack beside the session's (same database, vhost and namespace) on its own ports at
    ``offsets`` in this process's port block (tests/common/env.py), so xdist workers' second
    stacks never meet."""
    ports = stack_ports(offsets)
    settings = Settings(gateway_port=int(ports["REKOMI_GATEWAY_PORT"]),
                        ops_base_port=int(ports["REKOMI_OPS_BASE_PORT"]))
    return Stack(settings, {**ports, **(extra_env or {})})


async def _ok(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


@contextmanager
def extra_gateways(ports: Sequence[int], env: dict[str, str]) -> Iterator[list[str]]:
    """More gateway processes beside a running stack (same database, broker and Redis), with
    ``env`` on top of the test environment: for settings a test needs the gateway to hold
    (a strict rate limit, a low export cap). Yields their base URLs; stops them on exit."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "services.gateway"], cwd=ROOT,
                env={**os.environ, **env, "REKOMI_GATEWAY_PORT": str(port)},
                stdin=subprocess.DEVNULL))
        yield [f"http://127.0.0.1:{port}" for port in ports]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def wait_ready(session: aiohttp.ClientSession, base: str, timeout: float = 20.0) -> None:
    """Until ``base``/readyz answers 200, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while not await _ok(session, f"{base}/readyz"):
        if time.monotonic() > deadline:
            raise AssertionError(f"{base} not ready within {timeout}s")
        await asyncio.sleep(0.1)
