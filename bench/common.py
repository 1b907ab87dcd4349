"""What every scenario shares: options, paths, and the error that means "the bench broke"."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"

Tool = Literal["auto", "wrk", "python"]
DEFAULT_GATEWAY_PORT = 28080
DEFAULT_OPS_BASE_PORT = 29100


async def db_value(dsn: str, sql: str, *args: Any) -> Any:
    """One statement on a connection of its own (the bench's checks between runs)."""
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


def settled_count(dsn: str, sql: str, *args: Any, quiet_s: float = 1.5,
                  limit_s: float = 30.0) -> int:
    """What the count ``sql`` reads once it has stopped moving for ``quiet_s`` (work still
    under way behind the answers: buffers, queued calls), or after ``limit_s``."""
    last, stable_since = -1, time.monotonic()
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        count = int(asyncio.run(db_value(dsn, sql, *args)))
        if count != last:
            last, stable_since = count, time.monotonic()
        elif time.monotonic() - stable_since >= quiet_s:
            break
        time.sleep(0.25)
    return last


class BenchError(RuntimeError):
    """The bench itself could not run or produced unusable numbers (not a missed target)."""


@dataclass(frozen=True, slots=True)
class BenchOptions:
    duration: int = 10
    warmup: int = 3
    connections: int = 32
    threads: int = 1
    tool: Tool = "auto"
    timeout: float = 5.0
    gateway_port: int = DEFAULT_GATEWAY_PORT
    ops_base_port: int = DEFAULT_OPS_BASE_PORT
    # Signed S2S sales offered per second (open loop) in ``s2s_ingest``.
    rate: float = 3000.0
    # Measured seconds of ``s2s_ingest`` (the other scenarios measure ``duration``).
    s2s_duration: int = 60
    # Record py-spy profiles of the named stack services during the measured run.
    profile: tuple[str, ...] = ()
    # ``dashboard_read``: seed its data set again even when a usable one is stored.
    reseed: bool = False
    # ``dashboard_read``: concurrent callers of a run after the sequential one (0: none).
    concurrent: int = 0
