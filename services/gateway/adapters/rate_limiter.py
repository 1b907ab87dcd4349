"""Fixed-window rate limits counted in Redis, so the limit holds across gateway replicas."""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis.asyncio as redis


@dataclass(frozen=True, slots=True)
class Quota:
    allowed: bool
    remaining: int
    retry_after: int


class RateLimiter:
    def __init__(self, client: redis.Redis, namespace: str, window_seconds: int = 60) -> None:
        self.client = client
        self.namespace = namespace
        self.window = window_seconds

    async def hit(self, subject: str, limit: int) -> Quota:
        now = time.time()
        window = int(now // self.window)
        key = f"{self.namespace}:rl:{subject}:{window}"
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.window + 1, nx=True)
            count, _ = await pipe.execute()
        retry_after = max(1, int((window + 1) * self.window - now + 0.999))
        return Quota(allowed=count <= limit, remaining=max(0, limit - int(count)),
                     retry_after=retry_after)
