"""PostgreSQL's own commit latency beside a measured run:
``python -m bench.commit_probe DSN SECONDS START OUT``.

From the Unix time START, one durable single-row commit every 20 ms on a connection of its own
(a logged table, so each commit waits for its WAL flush, as the stack's do). Writes
``{"samples": [[unix time, ms], ...]}`` to OUT. ``s2s_ingest`` lines the samples up with its
per-second p99s: a second whose tail coincides with a slow probe commit was the database's disk
(checkpoints, writeback) rather than the stack.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from pathlib import Path

import asyncpg

INTERVAL = 0.02
TABLE = "bench_commit_probe"


async def probe(dsn: str, seconds: float, start: float) -> list[list[float]]:
    conn = await asyncpg.connect(dsn)
    samples: list[list[float]] = []
    try:
        await conn.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (at double precision)")
        await asyncio.sleep(max(0.0, start - time.time()))
        while (began := time.time()) < start + seconds:
            await conn.execute(f"INSERT INTO {TABLE} VALUES ($1)", began)
            samples.append([round(began, 3), round((time.time() - began) * 1000, 2)])
            await asyncio.sleep(max(0.0, began + INTERVAL - time.time()))
        await conn.execute(f"DROP TABLE {TABLE}")
    finally:
        await conn.close()
    return samples


def per_second_max(samples: list[list[float]], start: float, seconds: int) -> list[float]:
    """The slowest probe commit of each second after ``start`` (0 where none was made)."""
    worst = [0.0] * seconds
    for at, ms in samples:
        second = math.floor(at - start)  # int() would put the last 0.x s before into 0
        if 0 <= second < seconds:
            worst[second] = max(worst[second], ms)
    return worst


def main(argv: list[str]) -> int:
    dsn, seconds, start, out = argv[0], float(argv[1]), float(argv[2]), Path(argv[3])
    samples = asyncio.run(probe(dsn, seconds, start))
    out.write_text(json.dumps({"samples": samples}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
