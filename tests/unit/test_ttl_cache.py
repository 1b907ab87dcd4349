"""The shared TTL cache: one load per key at a time, refresh ahead of expiry, and no stale value
stored by a load that a clear overtook."""

from __future__ import annotations

import asyncio

import pytest

from libs.shared.ttl_cache import TtlCache


class Source:
    """A loader that counts its calls and can be held until the test releases it."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.value = "v1"
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail: Exception | None = None

    async def load(self, key: str) -> str | None:
        self.calls.append(key)
        await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return None if key == "missing" else f"{key}:{self.value}"


async def test_concurrent_misses_of_one_key_share_one_load() -> None:
    source = Source()
    source.gate.clear()
    cache = TtlCache(30.0, source.load)
    waiters = [asyncio.create_task(cache.get("k")) for _ in range(50)]
    await asyncio.sleep(0.01)
    source.gate.set()
    assert await asyncio.gather(*waiters) == ["k:v1"] * 50
    assert source.calls == ["k"]
    assert await cache.get("k") == "k:v1"  # and it is kept
    assert source.calls == ["k"]


async def test_a_hit_near_expiry_is_served_and_reloaded_in_the_background() -> None:
    source = Source()
    cache = TtlCache(0.5, source.load, refresh_ahead=0.5)
    assert await cache.get("k") == "k:v1"
    source.value = "v2"
    await asyncio.sleep(0.3)  # inside the last half of its life
    source.gate.clear()
    assert await cache.get("k") == "k:v1"  # answered at once, the reload runs behind it
    await asyncio.sleep(0.01)
    assert await cache.get("k") == "k:v1"  # one reload at a time
    assert source.calls == ["k", "k"]
    source.gate.set()
    await asyncio.sleep(0.01)
    assert await cache.get("k") == "k:v2"
    await asyncio.sleep(0.3)  # the reload restarted its life: not expired yet
    assert await cache.get("k") == "k:v2"


async def test_an_expired_value_is_not_served() -> None:
    source = Source()
    cache = TtlCache(0.1, source.load, refresh_ahead=0.0)
    assert await cache.get("k") == "k:v1"
    source.value = "v2"
    await asyncio.sleep(0.15)
    assert await cache.get("k") == "k:v2"


async def test_a_load_overtaken_by_clear_or_forget_stores_nothing() -> None:
    source = Source()
    cache = TtlCache(30.0, source.load)
    for drop in (cache.clear, lambda: cache.forget("k")):
        source.gate.clear()
        loading = asyncio.create_task(cache.get("k"))
        await asyncio.sleep(0.01)
        drop()  # e.g. the key was revoked while its row was being read
        source.gate.set()
        assert await loading == "k:v1"  # the caller that asked still gets its answer
        calls = len(source.calls)
        assert await cache.get("k") == "k:v1"
        assert len(source.calls) == calls + 1, "the overtaken load's value was stored"


async def test_unkept_values_and_failures_are_not_stored() -> None:
    source = Source()
    cache: TtlCache[str, str | None] = TtlCache(30.0, source.load,
                                                keep=lambda v: v is not None)
    assert await cache.get("missing") is None
    assert await cache.get("missing") is None
    assert source.calls == ["missing", "missing"]

    source.fail = ConnectionError("database away")
    with pytest.raises(ConnectionError):
        await cache.get("k")
    source.fail = None
    assert await cache.get("k") == "k:v1"  # the failure was not kept


async def test_a_caller_that_gives_up_does_not_cancel_the_shared_load() -> None:
    source = Source()
    source.gate.clear()
    cache = TtlCache(30.0, source.load)
    impatient = asyncio.create_task(cache.get("k"))
    patient = asyncio.create_task(cache.get("k"))
    await asyncio.sleep(0.01)
    impatient.cancel()
    source.gate.set()
    assert await patient == "k:v1"
    assert source.calls == ["k"]
