"""Child processes and small HTTP helpers for the bench orchestrator.

Every child runs in its own session, so a Ctrl-C in the terminal reaches only the bench, which
then stops its children in order (SIGTERM, a grace period, then SIGKILL of the whole group).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO

from bench.common import BenchError

_Stream = int | IO[bytes] | None


def spawn(argv: list[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None,
          stdout: _Stream = None, stderr: _Stream = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=stdout,
                            stderr=stderr, start_new_session=True)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop(proc: subprocess.Popen[bytes], *, grace: float = 15.0) -> None:
    """SIGTERM the child, wait ``grace`` s, then SIGKILL its process group; leftovers of the
    group (grandchildren of a dead supervisor) get the same treatment."""
    pgid = proc.pid  # a session leader: its pid is its process group id
    with no_interrupts():
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                _signal_group(pgid, signal.SIGKILL)
                proc.wait()
        if _group_alive(pgid):
            _signal_group(pgid, signal.SIGTERM)
            deadline = time.monotonic() + 5.0
            while _group_alive(pgid) and time.monotonic() < deadline:
                time.sleep(0.1)
            _signal_group(pgid, signal.SIGKILL)


@contextlib.contextmanager
def no_interrupts() -> Iterator[None]:
    """Let a cleanup finish even if Ctrl-C is pressed again meanwhile."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def http(method: str, url: str, *, body: bytes | None = None,
         headers: Mapping[str, str] | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    """One request; returns (status, body) for every status, raises only on transport errors."""
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_http_ok(url: str, *, timeout: float, alive: Callable[[], bool] = lambda: True,
                 what: str = "") -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not alive():
            raise BenchError(f"{what or url} exited while waiting for {url}")
        try:
            status, _ = http("GET", url, timeout=2.0)
            if status == 200:
                return
            last = f"HTTP {status}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.2)
    raise BenchError(f"{what or url} not ready after {timeout:.0f}s ({url}: {last})")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
