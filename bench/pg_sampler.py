"""A poor man's SQL profile: ``pg_stat_activity`` of the bench database sampled every few
milliseconds while something runs (``--profile``). Each sample of a backend counts the interval
for what it was doing: ``active`` with its statement (PostgreSQL at work) or ``idle in
transaction`` (a transaction waiting on its service: Python work or a round trip in flight), so
the counts say which statement, or which gap between statements, the time went to. Only the
services' connections are sampled (``application_name`` rekomi-<schema>), not the bench's own."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict

import asyncpg

_SQL = """
SELECT application_name, state, left(regexp_replace(query, '\\s+', ' ', 'g'), $1)
FROM pg_stat_activity
WHERE datname = current_database() AND application_name LIKE 'rekomi-%'
  AND backend_type = 'client backend' AND state IN ('active', 'idle in transaction')"""


class PgActivitySampler:
    def __init__(self, dsn: str, interval: float = 0.01, query_chars: int = 90) -> None:
        self.dsn = dsn
        self.interval = interval
        self.query_chars = query_chars
        # Seconds per (application, state, statement): each sample weighs the time since the
        # previous one.
        self.seconds: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        conn = await asyncpg.connect(self.dsn)
        self._task = asyncio.create_task(self._loop(conn))

    async def _loop(self, conn: asyncpg.Connection) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        try:
            while True:
                rows = await conn.fetch(_SQL, self.query_chars)
                now = loop.time()
                for app, state, query in rows:
                    self.seconds[(app, state, query)] += now - last
                last = now
                await asyncio.sleep(self.interval)
        finally:
            await conn.close()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def top(self, n: int = 12) -> list[tuple[str, str, str, float]]:
        """(application, state, statement, approximate seconds), busiest first."""
        busiest = sorted(self.seconds.items(), key=lambda kv: -kv[1])[:n]
        return [(app, state, query, seconds) for (app, state, query), seconds in busiest]
