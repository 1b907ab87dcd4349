"""Signed S2S load at a fixed offered rate (open loop):
``python -m bench.s2s_loadgen URL KEY SECRET SLUG RATE SECONDS TAG OUT START [MAX_CONNECTIONS]``.

Each request is a fresh sale (unique externalEventId) signed as a brand's server signs it
(HMAC-SHA256 of ``<unix>.<body>``). The requests are signed before the clock starts, since
signing is the brand's cost, not ours; a signature stays valid for the five-minute window. The
load begins at the Unix time START, so that several processes (and the parent's CPU window) start
together whatever their signing took.

Request ``i`` is due at ``start + i / RATE`` whether or not earlier ones were answered, as a
brand's traffic would be; it goes out on an idle keep-alive connection (a new one while fewer
than MAX_CONNECTIONS are open, else it waits for one). Its latency counts from when it was due,
so a stalled server shows up in the percentiles instead of slowing the load down (no
coordinated omission). The raw HTTP/1.1 client costs a fraction of aiohttp's client per request,
which leaves the cores to the stack under test.

Writes one JSON object to OUT: completed 2xx, non-2xx, errors, how many were due, and the
latency of every answered request in ms (the parent merges several processes).

The load itself is offered by ``bench/s2s_loadgen.c`` when it compiles (``bench.native``): this
process signs the requests, hands them over in a file and becomes the C program, which costs the
shared cores a few microseconds per request where this module's ``OpenLoop`` costs tens. Without
a C compiler ``OpenLoop`` offers the same load, measured the same way.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import hmac
import json
import os
import struct
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import uvloop

from bench.native import build_loadgen

TIMEOUT_S = 5.0
TICK_S = 0.002


def signed_requests(url: str, key: str, secret: str, slug: str, count: int,
                    tag: str) -> list[bytes]:
    """``count`` complete HTTP/1.1 requests, each a distinct sale, signed now."""
    parts = urllib.parse.urlsplit(url)
    secret_bytes, stamp = secret.encode(), str(int(time.time()))
    head = (f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"X-Rekomi-Api-Key: {key}\r\nContent-Type: application/json\r\n")
    requests = []
    for i in range(count):
        body = (f'{{"externalEventId":"{tag}-{i}","affiliateSlug":"{slug}",'
                f'"amountCents":9900,"currency":"USD"}}').encode()
        sig = hmac.new(secret_bytes, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        requests.append((head + f"X-Rekomi-Signature: t={stamp},sig={sig}\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
    return requests


def write_requests(requests: list[bytes], file: BinaryIO) -> None:
    """As ``bench/s2s_loadgen.c`` reads them: each a 4-byte little-endian length, then the
    bytes."""
    for request in requests:
        file.write(struct.pack("<I", len(request)))
        file.write(request)


class _Connection(asyncio.Protocol):
    """One keep-alive connection carrying one request at a time."""

    def __init__(self, on_answer: Callable[[_Connection, int], None],
                 on_lost: Callable[[_Connection], None]) -> None:
        self.on_answer, self.on_lost = on_answer, on_lost
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.due = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def send(self, request: bytes, due: float) -> None:
        assert self.transport is not None
        self.due = due
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).split(b"\r\n")
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if len(self.buffer) < end + 4 + length:
            return
        status = int(head[0][9:12])
        del self.buffer[:end + 4 + length]
        self.on_answer(self, status)

    def connection_lost(self, exc: Exception | None) -> None:
        self.on_lost(self)


class OpenLoop:
    def __init__(self, host: str, port: int, requests: list[bytes], rate: float,
                 max_connections: int) -> None:
        self.host, self.port, self.requests, self.rate = host, port, requests, rate
        self.max_connections = max_connections
        self.idle: list[_Connection] = []
        self.busy: set[_Connection] = set()
        self.opening = 0
        self.waiting: collections.deque[tuple[bytes, float]] = collections.deque()
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.opens: set[asyncio.Task[None]] = set()
        self.settled = asyncio.Event()  # set when the last answer arrives after the schedule

    def _answered(self, conn: _Connection, status: int) -> None:
        self.statuses[status] += 1
        self.latencies.append((time.perf_counter() - conn.due) * 1000)
        self.busy.discard(conn)
        self._take(conn)
        if not self.busy and not self.waiting:
            self.settled.set()

    def _lost(self, conn: _Connection) -> None:
        if conn in self.busy:
            self.busy.discard(conn)
            self.errors["connection_lost"] += 1
            if not self.busy and not self.waiting:
                self.settled.set()
        if conn in self.idle:
            self.idle.remove(conn)

    def _take(self, conn: _Connection) -> None:
        if self.waiting:
            request, due = self.waiting.popleft()
            self.busy.add(conn)
            conn.send(request, due)
        else:
            self.idle.append(conn)

    def _dispatch(self, request: bytes, due: float) -> None:
        if self.idle:
            conn = self.idle.pop()
            self.busy.add(conn)
            conn.send(request, due)
            return
        self.waiting.append((request, due))
        if len(self.busy) + self.opening < self.max_connections:
            self.opening += 1
            task = asyncio.ensure_future(self._open())
            self.opens.add(task)
            task.add_done_callback(self.opens.discard)

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, conn = await loop.create_connection(
                lambda: _Connection(self._answered, self._lost), self.host, self.port)
        except OSError:
            self.errors["connect"] += 1
            return
        finally:
            self.opening -= 1
        self._take(conn)

    async def run(self) -> int:
        """Offer every request at its due time; then wait for the last answers."""
        start = time.perf_counter()
        sent = 0
        while sent < len(self.requests):
            now = time.perf_counter()
            due_now = min(len(self.requests), int((now - start) * self.rate) + 1)
            while sent < due_now:
                self._dispatch(self.requests[sent], start + sent / self.rate)
                sent += 1
            # Woken at most every TICK_S: a timer per request would cost the load generator
            # more than the request itself.
            await asyncio.sleep(max(TICK_S, start + sent / self.rate - time.perf_counter()))
        if self.busy or self.waiting:
            self.settled.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.settled.wait(), TIMEOUT_S)
        self.errors["timeout"] += len(self.busy) + len(self.waiting)
        for conn in (*self.idle, *self.busy):
            if conn.transport is not None:
                conn.transport.close()
        return sent


async def offer(url: str, requests: list[bytes], rate: float, start: float,
                max_connections: int) -> dict[str, object]:
    """The Python load generator: ``requests`` offered from ``start`` on."""
    parts = urllib.parse.urlsplit(url)
    await asyncio.sleep(max(0.0, start - time.time()))
    load = OpenLoop(parts.hostname or "127.0.0.1", parts.port or 80, requests, rate,
                    max_connections)
    due = await load.run()
    ok = sum(v for s, v in load.statuses.items() if 200 <= s < 300)
    return {"ok": ok, "due": due, "non2xx": sum(load.statuses.values()) - ok,
            "errors": {k: v for k, v in load.errors.items() if v},
            "statuses": {str(k): v for k, v in load.statuses.items()},
            "latenciesMs": [round(x, 3) for x in load.latencies]}


def memory_dir(candidate: str = "/dev/shm") -> str | None:
    """A tmpfs directory for scratch files, or None (the default temporary directory)."""
    return candidate if os.path.isdir(candidate) and os.access(candidate, os.W_OK) else None


def exec_native(binary: Path, url: str, requests: list[bytes], rate: float, start: float,
                max_connections: int, out: str) -> None:
    """Become the C load generator (same pid, so the parent waits on it and reads its CPU as
    before); returns only if it could not be started."""
    parts = urllib.parse.urlsplit(url)
    # Unlinked from the start: nothing is left behind however the run ends. In memory where
    # the machine has a tmpfs: a minute's requests are about 50 MB a process, and on disk the
    # kernel wrote them back 30 s into the run, the largest disk burst of the measured minute.
    with tempfile.TemporaryFile(dir=memory_dir()) as file:
        write_requests(requests, file)
        file.flush()
        os.set_inheritable(file.fileno(), True)
        sys.stdout.flush()
        sys.stderr.flush()
        # argv[0] keeps the module's name: the parent finds its load generators by it.
        args = ["bench.s2s_loadgen", f"/dev/fd/{file.fileno()}", parts.hostname or "127.0.0.1",
                str(parts.port or 80), repr(rate), repr(start), str(max_connections), out]
        try:
            os.execv(binary, args)
        except OSError as exc:
            print(f"bench: cannot run {binary} ({exc}); the Python load generator takes over",
                  file=sys.stderr)


@dataclass(frozen=True, slots=True)
class Schedule:
    """The arguments every generator ends with: ``RATE SECONDS TAG OUT START
    [MAX_CONNECTIONS]``."""

    rate: float
    seconds: float
    tag: str
    out: str
    start: float
    max_connections: int = 256

    @classmethod
    def parse(cls, argv: list[str]) -> Schedule:
        rate, seconds, tag, out, start = argv[:5]
        most = int(argv[5]) if len(argv) > 5 else 256
        return cls(float(rate), float(seconds), tag, out, float(start), most)

    @property
    def count(self) -> int:
        return round(self.rate * self.seconds)


def generate(url: str, requests: list[bytes], schedule: Schedule) -> None:
    """Offer ``requests`` as ``schedule`` says, by the C program when it builds (this process
    becomes it), else by ``OpenLoop``; the result goes to ``schedule.out``."""
    binary = build_loadgen()
    if binary is not None:
        exec_native(binary, url, requests, schedule.rate, schedule.start,
                    schedule.max_connections, schedule.out)
    result = uvloop.run(offer(url, requests, schedule.rate, schedule.start,
                              schedule.max_connections))
    with open(schedule.out, "w", encoding="utf-8") as f:
        json.dump(result, f)


def main(argv: list[str]) -> None:
    url, key, secret, slug = argv[:4]
    schedule = Schedule.parse(argv[4:])
    generate(url, signed_requests(url, key, secret, slug, schedule.count, schedule.tag),
             schedule)


if __name__ == "__main__":
    main(sys.argv[1:])
