"""Booking S2S sales against the real ledger schema and broker: concurrent and repeated copies
book once, and a ledger killed in the middle of a request batch (after committing some of it,
before acknowledging any) loses nothing and duplicates nothing once the batch is redelivered.

Run as ``python -m tests.integration.test_s2s_booking NAMESPACE DIE_AFTER`` to serve
``s2s.record`` in a process that dies (``os._exit``) right after its DIE_AFTER-th commit."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import asyncpg
import pytest

from libs.contracts.affiliates import CreateAffiliate
from libs.contracts.programs import CreateProgram
from libs.contracts.s2s import RecordSale
from libs.shared.bus import Bus
from libs.shared.db import create_pool
from libs.shared.rpc_handlers import typed
from libs.shared.settings import Settings
from services.ledger.service_layer.affiliates import create_affiliate
from services.ledger.service_layer.programs import create_program
from services.ledger.service_layer.s2s import record_sale

ACTOR = {"type": "api_key", "keyId": str(uuid.uuid4())}
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
async def pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    ledger = await create_pool(settings.database_url, "ledger", min_size=1, max_size=8)
    yield ledger
    await ledger.close()


async def new_slug(pool: asyncpg.Pool) -> tuple[uuid.UUID, str]:
    org_id = uuid.uuid4()
    program = await create_program(pool, CreateProgram.model_validate({
        "orgId": org_id, "actor": ACTOR, "data": {
            "name": f"P {uuid.uuid4().hex[:8]}", "defaultCommissionType": "Percentage",
            "defaultCommissionValue": 20}}))
    affiliate = await create_affiliate(pool, CreateAffiliate.model_validate({
        "orgId": org_id, "actor": ACTOR, "data": {
            "programId": program["id"], "email": f"a-{uuid.uuid4().hex[:8]}@example.com"}}))
    return org_id, affiliate["links"][0]["slug"]


def sale_payload(org_id: uuid.UUID, slug: str, event_id: str) -> dict[str, Any]:
    return {"orgId": str(org_id), "actor": ACTOR, "data": {
        "externalEventId": event_id, "affiliateSlug": slug, "amountCents": 1000,
        "currency": "USD"}}


async def booked(pool: asyncpg.Pool, org_id: uuid.UUID) -> list[tuple[str, int]]:
    rows = await pool.fetch(
        "SELECT external_event_id, count(*) AS n FROM conversions WHERE org_id = $1 "
        "GROUP BY external_event_id ORDER BY external_event_id", org_id)
    return [(r["external_event_id"], r["n"]) for r in rows]


async def test_concurrent_and_repeated_copies_book_once(pool: asyncpg.Pool) -> None:
    org_id, slug = await new_slug(pool)
    record = typed(pool, RecordSale, record_sale)
    events = [f"evt-{i}" for i in range(10)]
    replies = await asyncio.gather(*(record(sale_payload(org_id, slug, e))
                                     for e in events * 5))
    assert sum(1 for r in replies if "conversionId" in r) == 10
    assert sum(1 for r in replies if r.get("deduped")) == 40
    assert await booked(pool, org_id) == [(e, 1) for e in sorted(events)]
    outbox = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE routing_key = 'conversion.created' "
        "AND payload->>'orgId' = $1", str(org_id))
    assert outbox == 10  # one conversion.created per booked sale, none for the dedupes


async def test_ledger_killed_mid_batch_loses_and_duplicates_nothing(
        pool: asyncpg.Pool, settings: Settings) -> None:
    org_id, slug = await new_slug(pool)
    namespace = f"s2sdie{uuid.uuid4().hex[:8]}"
    dying = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.test_s2s_booking", namespace, "8",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    assert dying.stdout is not None
    assert (await asyncio.wait_for(dying.stdout.readline(), 20)).strip() == b"ready"
    client = Bus(settings.amqp_url, namespace=namespace, service="client")
    healthy = Bus(settings.amqp_url, namespace=namespace, service="ledger")
    await client.connect(wait_seconds=10)
    try:
        # One call first, so the 40 below leave in one batch message (the first call of a
        # client also declares its reply queue, which splits a burst).
        warm = await client.call("ledger", "s2s.record", sale_payload(org_id, slug, "warm"))
        assert "conversionId" in warm
        events = [f"evt-{i:02d}" for i in range(40)]
        calls = asyncio.gather(*(client.call("ledger", "s2s.record",
                                             sale_payload(org_id, slug, e), timeout=20)
                                 for e in events))
        assert await asyncio.wait_for(dying.wait(), 20) == 1  # died inside the batch
        died_with = await booked(pool, org_id)
        assert 8 <= len(died_with) < 41 and all(n == 1 for _, n in died_with)
        await healthy.connect(wait_seconds=10)
        await healthy.serve({"s2s.record": typed(pool, RecordSale, record_sale)})
        replies = await asyncio.wait_for(calls, 20)  # the redelivered batch, answered
        assert await booked(pool, org_id) == [(e, 1) for e in [*events, "warm"]]
        # Sales the dead process committed answer "deduped" (a COMMIT already on the wire when
        # it died may land after ``died_with`` was read, hence <=); the rest are fresh.
        deduped = sum(1 for r in replies if r.get("deduped"))
        assert len(died_with) - 1 <= deduped < 40 and all(r["ok"] for r in replies)
        assert sum(1 for r in replies if "conversionId" in r) == 40 - deduped
    finally:
        if dying.returncode is None:
            dying.kill()
        await client.close()
        await healthy.close()
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(f"{namespace}.rpc.ledger")


async def _serve_then_die(namespace: str, die_after: int) -> None:
    settings = Settings()
    pool = await create_pool(settings.database_url, "ledger", min_size=1, max_size=8)
    bus = Bus(settings.amqp_url, namespace=namespace, service="ledger")
    await bus.connect(wait_seconds=10)
    record = typed(pool, RecordSale, record_sale)
    committed = 0

    async def handler(payload: dict[str, Any]) -> Any:
        nonlocal committed
        result = await record(payload)
        committed += 1
        if committed >= die_after:
            os._exit(1)  # committed, not replied, not acked: the whole batch comes back
        return result

    await bus.serve({"s2s.record": handler})
    print("ready", flush=True)
    await asyncio.sleep(60)
    os._exit(2)


if __name__ == "__main__":
    asyncio.run(_serve_then_die(sys.argv[1], int(sys.argv[2])))
