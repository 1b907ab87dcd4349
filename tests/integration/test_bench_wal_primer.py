"""The bench's WAL primer on the real server: after it, the segments the window asks for exist
beyond the current one (a short window, so the test writes a few segments only)."""

from __future__ import annotations

import asyncpg

from bench.wal_primer import _FUTURE_SEGMENTS, prime_wal
from tests.common.env import TEST_ENV

# The server's maintenance database: the primer works on the server, whatever the database (the
# test database may not be created yet when this runs).
DSN = TEST_ENV["REKOMI_DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"


async def test_the_primer_leaves_the_segments_a_window_needs() -> None:
    conn = await asyncpg.connect(DSN)
    try:
        segment = int(await conn.fetchval(
            "SELECT pg_size_bytes(current_setting('wal_segment_size'))"))
        ready = int(await conn.fetchval(_FUTURE_SEGMENTS))
    finally:
        await conn.close()
    wanted = ready + 3  # more than exist now, so the primer has to write
    before, after = await prime_wal(DSN, wanted * segment)
    assert before == ready
    assert after >= wanted
    # Asked again for no more than exists, it writes nothing and reports the same count.
    again_before, again_after = await prime_wal(DSN, segment)
    assert again_before == again_after >= wanted - 1
