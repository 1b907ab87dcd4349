"""When each API key was last used (the Owner's key list shows ``lastUsedAt``), recorded without
a database write per request.

Why in memory per replica: the hot path only stores the time in a dict (no await, no I/O), and
every ``interval`` seconds each replica writes what it saw in one batched UPDATE (also at
shutdown). A key used on several replicas gets each one's latest time; the UPDATE keeps the
greatest, so the list is at most about ``interval`` seconds behind. Redis would cost a network
round trip per request, or a pipeline of its own to flush, for nothing the list needs. What a
replica had not flushed when it crashed is lost: a last-use time is a hint, not a record (the
audit log and the access log are those)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg

from libs.shared.periodic import run_periodically
from services.gateway.adapters.api_keys_repository import ApiKeysRepository

log = logging.getLogger(__name__)


class KeyUsage:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._pending: dict[uuid.UUID, float] = {}  # key id -> Unix time of its latest use
        self.flushes = 0  # batched UPDATEs issued (tests count them against requests)

    def touch(self, key_id: uuid.UUID) -> None:
        """The hot path's part: a dict store, nothing awaited."""
        self._pending[key_id] = time.time()

    async def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, {}
        try:
            async with self.pool.acquire() as conn:
                await ApiKeysRepository(conn).record_last_use(
                    {k: datetime.fromtimestamp(t, UTC) for k, t in batch.items()})
        except BaseException:
            for key_id, at in batch.items():  # tried again next round; newer uses win
                self._pending[key_id] = max(at, self._pending.get(key_id, at))
            raise
        self.flushes += 1

    @contextlib.asynccontextmanager
    async def flushing(self, interval: float) -> AsyncIterator[KeyUsage]:
        """Flushes every ``interval`` seconds while open, and once more on the way out."""
        task = asyncio.create_task(run_periodically("key_usage_flush", self.flush, interval))
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            try:
                await self.flush()
            except Exception:
                log.exception("could not flush API keys' last-use times at shutdown")
