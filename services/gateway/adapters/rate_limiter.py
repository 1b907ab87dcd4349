"""Fixed-window rate limits counted in Redis, so the limit holds across gateway replicas.

A replica does not ask Redis on every request: it leases a slice of the window's quota
(``INCRBY slice``, at most 1% of the limit) and spends it locally. Redis therefore never admits
more than the limit across all replicas; the price is that a slice leased by a replica that
then goes quiet is not available to the others until the window ends (at most 1% of the limit
per replica). Limits under 200 lease one request at a time, so they are exact."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import redis.asyncio as redis

LEASE_FRACTION = 100
MAX_TRACKED = 50_000


@dataclass(frozen=True, slots=True)
class Quota:
    allowed: bool
    remaining: int
    retry_after: int


@dataclass(slots=True)
class _Lease:
    window: int
    left: int
    counted: int  # the shared count right after this replica's last lease


class RateLimiter:
    def __init__(self, client: redis.Redis, namespace: str, window_seconds: int = 60) -> None:
        self.client = client
        self.namespace = namespace
        self.window = window_seconds
        self._leases: dict[str, _Lease] = {}
        self._leasing: dict[str, asyncio.Future[None]] = {}

    async def hit(self, subject: str, limit: int) -> Quota:
        now = time.time()
        window = int(now // self.window)
        retry_after = max(1, int((window + 1) * self.window - now + 0.999))
        lease = self._leases.get(subject)
        while lease is None or lease.window != window or lease.left <= 0:
            leasing = self._leasing.get(subject)
            if leasing is not None:
                # One lease per subject at a time: a burst that finds the slice spent waits
                # for the lease already on its way, instead of each request leasing a slice
                # of its own (which over-leased, and refused requests while the replica held
                # hundreds of unused slots).
                await asyncio.shield(leasing)
                lease = self._leases.get(subject)
                continue
            leasing = asyncio.get_running_loop().create_future()
            self._leasing[subject] = leasing
            try:
                lease = await self._lease(subject, window, limit)
            finally:
                del self._leasing[subject]
                leasing.set_result(None)
            if lease is None:
                return Quota(allowed=False, remaining=0, retry_after=retry_after)
        lease.left -= 1
        remaining = max(0, limit - lease.counted) + lease.left
        return Quota(allowed=True, remaining=remaining, retry_after=retry_after)

    async def _lease(self, subject: str, window: int, limit: int) -> _Lease | None:
        size = max(1, limit // LEASE_FRACTION)
        key = f"{self.namespace}:rl:{subject}:{window}"
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.incrby(key, size)
            pipe.expire(key, self.window + 1, nx=True)
            counted, _ = await pipe.execute()
        granted = min(size, limit - (int(counted) - size))
        if granted <= 0:
            return None
        current = self._leases.get(subject)
        if current is not None and current.window == window:
            # Another request of this replica leased concurrently: keep both slices.
            current.left += granted
            current.counted = max(current.counted, int(counted))
            return current
        if len(self._leases) >= MAX_TRACKED:
            self._leases = {s: v for s, v in self._leases.items() if v.window == window}
        lease = _Lease(window=window, left=granted, counted=int(counted))
        self._leases[subject] = lease
        return lease
