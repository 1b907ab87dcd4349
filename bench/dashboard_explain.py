"""Where an endpoint's time goes: the ledger's own handler for it (``add_metrics_handlers``,
the table the ledger serves), run in this process on a connection that records each
statement and its time, so the figures split into SQL and Python without the gateway and the
bus; and ``EXPLAIN (ANALYZE, BUFFERS)`` of the statements of an endpoint that missed its
target. The SQL is the product's own, whatever it is on this branch."""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace, TracebackType
from typing import Any

import asyncpg

from bench.dashboard_http import Endpoint
from libs.shared import db
from libs.shared.rpc_handlers import HandlerTable
from services.ledger.metrics.entrypoints.rpc import add_metrics_handlers

RUNS = 5  # after one warm-up; the median run's statements are kept


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    args: tuple[Any, ...]
    ms: float


@dataclass(slots=True)
class Profile:
    total_ms: float = 0.0
    statements: list[Statement] = field(default_factory=list)
    plans: list[list[str]] = field(default_factory=list)

    @property
    def sql_ms(self) -> float:
        return sum(s.ms for s in self.statements)

    def to_dict(self) -> dict[str, Any]:
        return {"inProcessMs": round(self.total_ms, 2), "sqlMs": round(self.sql_ms, 2),
                "statements": [{"sql": s.sql, "ms": round(s.ms, 2)} for s in self.statements],
                "plans": self.plans or None}


class _Recorder:
    """A connection that times what it runs; anything else goes to the real one."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.log: list[Statement] = []

    async def _timed(self, method: str, sql: str, args: tuple[Any, ...]) -> Any:
        began = time.perf_counter()
        result = await getattr(self.conn, method)(sql, *args)
        self.log.append(Statement(sql, args, (time.perf_counter() - began) * 1000))
        return result

    async def fetch(self, sql: str, *args: Any) -> Any:
        return await self._timed("fetch", sql, args)

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        return await self._timed("fetchrow", sql, args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self._timed("fetchval", sql, args)

    async def execute(self, sql: str, *args: Any) -> Any:
        return await self._timed("execute", sql, args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


class _Pool:
    """Hands out the one recording connection (``pool.acquire()`` as the ledger uses it)."""

    def __init__(self, recorder: _Recorder) -> None:
        self.recorder = recorder

    def acquire(self) -> _Pool:
        return self

    async def __aenter__(self) -> _Recorder:
        return self.recorder

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        return None


class Profiler:
    def __init__(self, dsn: str, org_id: uuid.UUID) -> None:
        self.dsn, self.org_id = dsn, org_id
        self.conn: asyncpg.Connection | None = None
        self.recorder: _Recorder | None = None
        self.handlers: dict[str, Any] = {}

    async def __aenter__(self) -> Profiler:
        self.conn = await db.connect(self.dsn, "ledger")
        self.recorder = _Recorder(self.conn)
        table = HandlerTable("ledger")
        add_metrics_handlers(table, SimpleNamespace(pool=_Pool(self.recorder)))  # type: ignore[arg-type]
        self.handlers = table.handlers
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.conn is not None:
            await self.conn.close()

    async def profile(self, ep: Endpoint) -> Profile | None:
        handler = self.handlers.get(ep.rpc.name)
        if handler is None or self.recorder is None:
            return None
        payload = {"orgId": str(self.org_id), **ep.payload}
        runs: list[Profile] = []
        for n in range(RUNS + 1):
            self.recorder.log = []
            began = time.perf_counter()
            await handler(payload)
            if n:
                runs.append(Profile((time.perf_counter() - began) * 1000, self.recorder.log))
        median = statistics.median(r.total_ms for r in runs)
        return min(runs, key=lambda r: abs(r.total_ms - median))

    async def explain(self, found: Profile) -> None:
        """The plan of each statement, as it ran (ANALYZE: it runs again)."""
        assert self.conn is not None
        for s in found.statements:
            rows = await self.conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {s.sql}", *s.args)
            found.plans.append([r[0] for r in rows])
