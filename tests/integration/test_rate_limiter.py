"""The Redis-backed limiter: exact for small limits, never over the limit across replicas."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from libs.shared.settings import Settings
from services.gateway.adapters.rate_limiter import RateLimiter


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[redis.Redis]:
    connection = redis.from_url(settings.redis_url)
    yield connection
    await connection.aclose()


async def fresh_window(seconds: int = 60, margin: float = 3.0) -> None:
    """Start a test well inside a fixed window, so its calls all count in the same one."""
    into = time.time() % seconds
    if into > seconds - margin:
        await asyncio.sleep(seconds - into + 0.05)


async def admitted(limiter: RateLimiter, subject: str, limit: int, calls: int) -> int:
    quotas = [await limiter.hit(subject, limit) for _ in range(calls)]
    return sum(q.allowed for q in quotas)


async def test_small_limit_is_exact_across_replicas(client: redis.Redis) -> None:
    await fresh_window()
    subject = uuid.uuid4().hex
    one, two = RateLimiter(client, "rltest"), RateLimiter(client, "rltest")
    results = [await (one if i % 2 else two).hit(subject, 10) for i in range(14)]
    assert [q.allowed for q in results] == [True] * 10 + [False] * 4
    assert [q.remaining for q in results[:10]] == list(range(9, -1, -1))
    assert all(1 <= q.retry_after <= 60 for q in results)


async def test_large_limit_never_over_admits_across_replicas(client: redis.Redis) -> None:
    await fresh_window()
    subject, limit = uuid.uuid4().hex, 1000
    replicas = [RateLimiter(client, "rltest") for _ in range(3)]
    counts = await asyncio.gather(*(admitted(r, subject, limit, 600) for r in replicas))
    assert sum(counts) <= limit
    # Unused slices strand at most 1% of the limit per replica.
    assert sum(counts) >= limit - len(replicas) * limit // 100


async def test_remaining_counts_down_by_one(client: redis.Redis) -> None:
    limiter, subject = RateLimiter(client, "rltest"), uuid.uuid4().hex
    remaining = [(await limiter.hit(subject, 100_000)).remaining for _ in range(5)]
    assert remaining == list(range(99_999, 99_994, -1))


async def test_a_concurrent_burst_shares_one_lease_and_is_not_refused(
        client: redis.Redis) -> None:
    await fresh_window()
    subject, limit = uuid.uuid4().hex, 10_000  # slices of 100
    limiter = RateLimiter(client, "rltest")
    # 300 requests arrive before the first lease is back: each once leased a slice of its
    # own, so the 101st was refused with 9,900 leased slots unused.
    quotas = await asyncio.gather(*(limiter.hit(subject, limit) for _ in range(300)))
    assert all(q.allowed for q in quotas)
    # Three slices leased from Redis, not one per request.
    assert int(await client.get(f"rltest:rl:{subject}:{int(time.time() // 60)}")) == 300
