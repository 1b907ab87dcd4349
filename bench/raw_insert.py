"""The raw-INSERT baseline: single-row INSERTs into a scratch copy of a table, as fast as
``clients`` concurrent loops can go for ``seconds``; returns rows per second."""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg


async def raw_insert_rate(dsn: str, *, table: str, like: str, insert_sql: str,
                          pool_size: int, clients: int, seconds: float) -> float:
    """``insert_sql`` writes one row into ``table`` and takes an org id as ``$1``."""
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=pool_size)
    assert pool is not None
    try:
        await pool.execute(f"DROP TABLE IF EXISTS {table}; "
                           f"CREATE TABLE {table} (LIKE {like} INCLUDING ALL)")
        done, org = 0, uuid.uuid4()

        async def worker(until: float) -> None:
            nonlocal done
            while time.monotonic() < until:
                await pool.execute(insert_sql, org)
                done += 1

        started = time.monotonic()
        await asyncio.gather(*(worker(started + seconds) for _ in range(clients)))
        elapsed = time.monotonic() - started
        await pool.execute(f"DROP TABLE {table}")
        return done / elapsed
    finally:
        await pool.close()
