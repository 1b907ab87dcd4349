"""Group commit for finished attempts: a delivery task hands its attempt over and waits until
it is stored. While one batch is being written the next one gathers, so under load each
transaction records many attempts and at rest an attempt is written at once."""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from services.webhooks.domain.deliveries import Recorded
from services.webhooks.service_layer.dispatch import Attempt, record_attempts

log = logging.getLogger(__name__)


class BatchRecorder:
    def __init__(self, pool: asyncpg.Pool, *, scale: float, max_batch: int = 256) -> None:
        self.pool = pool
        self.scale = scale
        self.max_batch = max_batch
        self._pending: list[tuple[Attempt, asyncio.Future[Recorded | None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, attempt: Attempt) -> Recorded | None:
        """The delivery as stored, or None when this dispatcher's lease on it was lost."""
        future: asyncio.Future[Recorded | None] = asyncio.get_running_loop().create_future()
        self._pending.append((attempt, future))
        if self._writer is None:
            self._writer = asyncio.ensure_future(self._write())
        return await future

    async def _write(self) -> None:
        try:
            while self._pending:
                batch = self._pending[:self.max_batch]
                del self._pending[:self.max_batch]
                await self._write_batch(batch)
        finally:
            self._writer = None
            for _, future in self._pending:  # cancelled: nobody will write these
                if not future.done():
                    future.cancel()
            self._pending.clear()

    async def _write_batch(self, batch: list[tuple[Attempt, asyncio.Future[Recorded | None]]]
                           ) -> None:
        try:
            stored = await record_attempts(self.pool, [a for a, _ in batch], scale=self.scale)
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:  # the tasks log it; their leases expire and they are re-sent
            log.warning("recording %d webhook attempts failed", len(batch),
                        extra={"error": repr(exc)})
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), delivery in zip(batch, stored, strict=True):
            if not future.done():
                future.set_result(delivery)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
