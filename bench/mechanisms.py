"""Same-run A/B figures of the hot-path mechanisms that are not measured by a whole scenario:
each is timed against the plain way in interleaved rounds, so both sides meet the same machine.

- ``pool_reset``: a pool checkout and one query, with asyncpg's session reset on release
  (its default) and without it (``libs/shared/db.py``).
- ``event_packs``: 2,000 sale events through RabbitMQ with publisher confirms, published and
  consumed one message per event and in packs of 50 (``Bus.publish_packed``).
- ``pack_deflate``: a pack of 50 sale events deflated at level 1 and inflated again, against the
  plain pack: bytes the broker writes to its log, and the CPU it costs.

``python -m bench mechanisms``; the S2S linger figures come from ``s2s_ingest`` runs (see
``libs/shared/bus_rpc.py``)."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg

from bench.common import BenchOptions
from bench.report import write_json
from bench.stack import BENCH_ENV
from libs.contracts.attributed import AcceptedSale
from libs.contracts.common import as_json
from libs.shared import jsonutil
from libs.shared.bus import Bus
from libs.shared.db import create_pool, ensure_database

NAME = "mechanisms"
ROUNDS = 5
CHECKOUTS = 2_000
EVENTS = 2_000
PACK = 50


def sale_event() -> bytes:
    return jsonutil.dumps(as_json(AcceptedSale(
        org_id=uuid.uuid4(), conversion_id=uuid.uuid4(), external_event_id=uuid.uuid4().hex,
        affiliate_id=uuid.uuid4(), program_id=uuid.uuid4(), amount_cents=4_900,
        currency="USD", customer_email="buyer@example.com", payout_grace_days=30,
        occurred_at=datetime.now(UTC))))


async def interleaved(a: Callable[[], Awaitable[float]], b: Callable[[], Awaitable[float]]
                      ) -> tuple[float, float]:
    """Median seconds of ``a`` and ``b`` over ``ROUNDS`` alternating rounds."""
    first: list[float] = []
    second: list[float] = []
    for _ in range(ROUNDS):
        first.append(await a())
        second.append(await b())
    return statistics.median(first), statistics.median(second)


# ---- pool_reset ----------------------------------------------------------------------------
async def _checkouts(pool: asyncpg.Pool) -> float:
    started = time.perf_counter()
    for _ in range(CHECKOUTS):
        async with pool.acquire() as conn:
            await conn.fetchval("SELECT 1")
    return (time.perf_counter() - started) / CHECKOUTS


async def pool_reset(dsn: str) -> dict[str, float]:
    skipping = await create_pool(dsn, "ledger", min_size=1, max_size=1)
    resetting = await asyncpg.create_pool(dsn, min_size=1, max_size=1)
    assert resetting is not None
    try:
        skip, reset = await interleaved(lambda: _checkouts(skipping),
                                        lambda: _checkouts(resetting))
    finally:
        await skipping.close()
        await resetting.close()
    return {"resetMicros": reset * 1e6, "skippedMicros": skip * 1e6,
            "saving": 1 - skip / reset}


# ---- event_packs ---------------------------------------------------------------------------
class _Counted:
    """A subscribed queue that says when it has seen ``EVENTS`` more deliveries."""

    def __init__(self) -> None:
        self.seen = 0
        self.target = 0
        self.done = asyncio.Event()

    async def handle(self, _delivery: Any) -> None:
        self.seen += 1
        if self.seen >= self.target:
            self.done.set()

    async def publish_and_wait(self, publish: Callable[[], Awaitable[Any]]) -> float:
        self.target, self.done = self.seen + EVENTS, asyncio.Event()
        started = time.perf_counter()
        await publish()
        await asyncio.wait_for(self.done.wait(), 60)
        return time.perf_counter() - started


async def event_packs(amqp_url: str) -> dict[str, float]:
    bus = Bus(amqp_url, namespace="rekomibench", service="mechanisms", prefetch=256)
    await bus.connect()
    queues = {mode: _Counted() for mode in ("single", "packed")}
    try:
        for mode, counted in queues.items():
            await bus.subscribe(mode, [f"bench.mechanisms.{mode}"], counted.handle)

        def events() -> list[tuple[str, bytes, dict[str, Any]]]:
            return [(str(uuid.uuid4()), sale_event(), {}) for _ in range(EVENTS)]

        async def single() -> float:
            batch = events()
            return await queues["single"].publish_and_wait(lambda: asyncio.gather(*(
                bus.publish_json("bench.mechanisms.single", body, message_id=event_id)
                for event_id, body, _ in batch)))

        async def packed() -> float:
            batch = events()
            return await queues["packed"].publish_and_wait(lambda: asyncio.gather(*(
                bus.publish_packed("bench.mechanisms.packed", batch[i:i + PACK])
                for i in range(0, EVENTS, PACK))))

        one_each, in_packs = await interleaved(single, packed)
    finally:
        await bus.close()
    return {"singleMicrosPerEvent": one_each / EVENTS * 1e6,
            "packedMicrosPerEvent": in_packs / EVENTS * 1e6, "saving": 1 - in_packs / one_each}


# ---- pack_deflate --------------------------------------------------------------------------
def pack_deflate() -> dict[str, float]:
    pack = b"[" + b",".join(sale_event() for _ in range(PACK)) + b"]"
    deflated = zlib.compress(pack, 1)
    loops = 2_000
    started = time.perf_counter()
    for _ in range(loops):
        zlib.decompress(zlib.compress(pack, 1))
    micros = (time.perf_counter() - started) / loops * 1e6
    return {"plainBytes": len(pack), "deflatedBytes": len(deflated),
            "ratio": len(pack) / len(deflated), "microsPerPack": micros,
            "microsPerEvent": micros / PACK}


def run(opts: BenchOptions) -> int:
    del opts  # fixed sizes: these are per-operation costs, not rates
    dsn, amqp = BENCH_ENV["REKOMI_DATABASE_URL"], BENCH_ENV["REKOMI_AMQP_URL"]
    asyncio.run(ensure_database(dsn))
    results = {"pool_reset": asyncio.run(pool_reset(dsn)),
               "event_packs": asyncio.run(event_packs(amqp)),
               "pack_deflate": pack_deflate()}
    reset, packs, deflate = results["pool_reset"], results["event_packs"], results["pack_deflate"]
    print(f"pool_reset    checkout + SELECT 1: {reset['resetMicros']:.0f} us with asyncpg's "
          f"reset, {reset['skippedMicros']:.0f} us without ({reset['saving']:.0%} saved)")
    print(f"event_packs   {EVENTS} events through the broker: "
          f"{packs['singleMicrosPerEvent']:.0f} us/event one message each, "
          f"{packs['packedMicrosPerEvent']:.0f} in packs of {PACK} ({packs['saving']:.0%} saved)")
    print(f"pack_deflate  {PACK} sales: {deflate['plainBytes']:.0f} -> "
          f"{deflate['deflatedBytes']:.0f} bytes ({deflate['ratio']:.1f}x) for "
          f"{deflate['microsPerEvent']:.1f} us/event (deflate + inflate)")
    write_json(NAME, results)
    return 0
