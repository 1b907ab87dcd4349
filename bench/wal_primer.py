"""WAL segments ready before a measured window, as on a server that has been under load.

PostgreSQL writes WAL into 16 MB segment files. A server in steady state recycles the segments
its checkpoints free into the names it will need next, so its commits never wait for a new one.
A cluster that has been idle, or has just booted, has few: then every 16 MB of WAL a backend
creates and zero-fills a new segment (a 16 MB write and an fsync) while the other commits wait.
At 3,000 sales/s (about 3.3 KB of WAL each, ``pg_current_wal_lsn``) that is every 1.7 s: on a
fresh machine the commit probe saw a stall over 15 ms in 33 of the 60 seconds of the first run,
and in 4 once the segments existed. Each bench run starts from a new database and an idle
server, so without this the measured minute paid the start-up cost of the server, not of the
stack.

``prime_wal``, when fewer segments than the window needs exist beyond the current one, writes
(and drops) a throwaway table as large as the window's whole WAL, then checkpoints. Whole, not
just the shortfall: the writing uses up the segments that were ready, and a checkpoint keeps as
many freed segments for reuse as its estimate of the WAL between checkpoints allows (about
twice the last distance, at most ``max_wal_size``), so only a distance as large as the window
leaves the window's segments ready.
"""

from __future__ import annotations

import math
import os

import asyncpg

# Segment files are named by 24 hex digits; the others in pg_wal are history and status files.
_FUTURE_SEGMENTS = (
    "SELECT count(*) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$' "
    "AND name > pg_walfile_name(pg_current_wal_lsn())")
_ROW_TEXT_BYTES = 1000  # one row of the throwaway table: about 1 KB of WAL


def priming_bytes(future: int, expected_bytes: int, segment_bytes: int) -> int:
    """WAL to write before a window that needs ``expected_bytes`` (and a segment to spare)
    when ``future`` segments are ready: nothing if they suffice, else the whole need."""
    needed = math.ceil(expected_bytes / segment_bytes) + 1
    return 0 if future >= needed else needed * segment_bytes


async def prime_wal(dsn: str, expected_bytes: int) -> tuple[int, int]:
    """Make sure about ``expected_bytes`` of WAL can be written without a new segment file;
    returns the segments ready beyond the current one, before and after."""
    conn = await asyncpg.connect(dsn)
    try:
        segment = int(await conn.fetchval(
            "SELECT pg_size_bytes(current_setting('wal_segment_size'))"))
        before = int(await conn.fetchval(_FUTURE_SEGMENTS))
        to_write = priming_bytes(before, expected_bytes, segment)
        if to_write:
            table = f"bench_wal_primer_{os.getpid()}"
            rows = to_write // _ROW_TEXT_BYTES
            await conn.execute(f"CREATE TABLE {table} (b text)")
            try:
                await conn.execute(
                    f"INSERT INTO {table} SELECT repeat(md5(i::text), "
                    f"{_ROW_TEXT_BYTES // 32}) FROM generate_series(1, $1) AS i", rows)
            finally:
                await conn.execute(f"DROP TABLE {table}")
            await conn.execute("CHECKPOINT")
        after = int(await conn.fetchval(_FUTURE_SEGMENTS))
    finally:
        await conn.close()
    return before, after
