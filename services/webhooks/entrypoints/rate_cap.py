"""A start-rate cap per endpoint inside one process: attempts towards one endpoint begin at
most ``per_second`` times a second (0 turns the cap off)."""

from __future__ import annotations

import asyncio
import uuid


class RateCap:
    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next: dict[uuid.UUID, float] = {}

    def reserve(self, key: uuid.UUID) -> float:
        """Book the next start towards ``key``; returns how long to wait for it (s)."""
        if self.interval == 0.0:
            return 0.0
        now = asyncio.get_running_loop().time()
        slot = max(now, self._next.get(key, 0.0))
        self._next[key] = slot + self.interval
        if len(self._next) > 10_000:
            self._prune(now)
        return slot - now

    async def wait(self, key: uuid.UUID) -> None:
        delay = self.reserve(key)
        if delay > 0:
            await asyncio.sleep(delay)

    def _prune(self, now: float) -> None:
        self._next = {k: v for k, v in self._next.items() if v > now}
