"""Group commit for finished attempts: a delivery task hands its attempt over and waits until
it is stored. While one batch is being written the next one gathers, so under load each
transaction records many attempts and at rest an attempt is written at once."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import asyncpg

from libs.shared.group_commit import GroupCommit
from services.webhooks.domain.deliveries import Recorded
from services.webhooks.service_layer.dispatch import Attempt, record_attempts

log = logging.getLogger(__name__)


class BatchRecorder:
    def __init__(self, pool: asyncpg.Pool, *, scale: float, max_batch: int = 256) -> None:
        self.pool = pool
        self.scale = scale
        # One batch written at a time; the next one gathers meanwhile.
        self._commits: GroupCommit[Attempt, Recorded | None] = GroupCommit(
            self._write_batch, max_batch=max_batch, max_inflight=1)

    async def record(self, attempt: Attempt) -> Recorded | None:
        """The delivery as stored, or None when this dispatcher's lease on it was lost."""
        return await self._commits.submit(attempt)

    async def _write_batch(self, batch: list[Attempt]) -> Sequence[Recorded | None]:
        try:
            return await record_attempts(self.pool, batch, scale=self.scale)
        except Exception as exc:  # the tasks see it; their leases expire and they are re-sent
            log.warning("recording %d webhook attempts failed", len(batch),
                        extra={"error": repr(exc)})
            raise

    async def close(self) -> None:
        await self._commits.close()
