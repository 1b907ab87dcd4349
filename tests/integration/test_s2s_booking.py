"""The ledger's booking consumer killed in the middle of a stream of accepted sales (after
committing some batches, before acknowledging them) loses nothing and duplicates nothing once
the messages are redelivered to a healthy consumer.

Run as ``python -m tests.integration.test_s2s_booking NAMESPACE DIE_AFTER`` to consume in a
process that dies (``os._exit``) right after the commit that brings it to DIE_AFTER sales."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from datetime import UTC, datetime

import aio_pika
import asyncpg

from libs.contracts.affiliates import CreateAffiliate
from libs.contracts.attributed import ATTRIBUTED_KEYS, SALE_ACCEPTED
from libs.contracts.programs import CreateProgram
from libs.shared.bus import Bus, Delivery
from libs.shared.db import create_pool
from libs.shared.settings import Settings
from libs.shared.uow import unit_of_work
from services.ledger.affiliates.service_layer.handlers import create_affiliate
from services.ledger.conversions.entrypoints.consumers import QUEUE, parse, subscribe
from services.ledger.conversions.service_layer.booking import book_accepted
from services.ledger.programs.service_layer.handlers import create_program
from tests.common.ledger_booking import ACTOR

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PREFETCH = 8  # batches of at most 8, so the process dies with some of the stream unbooked


async def booked(pool: asyncpg.Pool, org_id: uuid.UUID) -> list[tuple[str, int]]:
    rows = await pool.fetch(
        "SELECT external_event_id, count(*) AS n FROM conversions WHERE org_id = $1 "
        "AND parent_affiliate_conversion_id IS NULL GROUP BY external_event_id "
        "ORDER BY external_event_id", org_id)
    return [(r["external_event_id"], r["n"]) for r in rows]


async def test_ledger_killed_mid_stream_loses_and_duplicates_nothing(
        pool: asyncpg.Pool, settings: Settings) -> None:
    org_id = uuid.uuid4()
    program = await create_program(pool, CreateProgram.model_validate({
        "orgId": org_id, "actor": ACTOR, "data": {
            "name": f"P {uuid.uuid4().hex[:8]}", "defaultCommissionType": "Percentage",
            "defaultCommissionValue": 20}}))
    affiliate = await create_affiliate(pool, CreateAffiliate.model_validate({
        "orgId": org_id, "actor": ACTOR, "data": {
            "programId": program.id, "email": f"a-{uuid.uuid4().hex[:8]}@example.com"}}))
    namespace = f"s2sdie{uuid.uuid4().hex[:8]}"
    publisher = Bus(settings.amqp_url, namespace=namespace, service="tracking")
    healthy = Bus(settings.amqp_url, namespace=namespace, service="ledger", prefetch=PREFETCH)
    dying = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.test_s2s_booking", namespace, "8",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    assert dying.stdout is not None
    try:
        assert (await asyncio.wait_for(dying.stdout.readline(), 20)).strip() == b"ready"
        await publisher.connect(wait_seconds=10)
        events = [f"evt-{i:02d}" for i in range(40)]
        for event in events:
            await publisher.publish(SALE_ACCEPTED, {
                "orgId": str(org_id), "conversionId": str(uuid.uuid4()),
                "externalEventId": event, "affiliateId": str(affiliate.id),
                "programId": str(program.id), "amountCents": 1000, "currency": "USD",
                "payoutGraceDays": 30, "occurredAt": datetime.now(UTC).isoformat()},
                message_id=event)
        assert await asyncio.wait_for(dying.wait(), 20) == 1  # died inside the stream
        died_with = await booked(pool, org_id)
        assert 8 <= len(died_with) < 40 and all(n == 1 for _, n in died_with), died_with
        await healthy.connect(wait_seconds=10)
        await subscribe(healthy, pool)
        deadline = asyncio.get_running_loop().time() + 20
        while len(await booked(pool, org_id)) < 40:
            assert asyncio.get_running_loop().time() < deadline, await booked(pool, org_id)
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # anything still redelivered would book a second row now
        assert await booked(pool, org_id) == [(e, 1) for e in events]
        overrides = await pool.fetchval(
            "SELECT count(*) FROM outbox WHERE routing_key = 'conversion.created' "
            "AND payload->>'orgId' = $1", str(org_id))
        assert overrides == 40  # one conversion.created per sale, none for a redelivery
    finally:
        if dying.returncode is None:
            dying.kill()
        await publisher.close()
        await healthy.close()
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection:
            channel = await connection.channel()
            for name in (f"{namespace}.ledger.{QUEUE}", f"{namespace}.ledger.{QUEUE}.dlq"):
                await channel.queue_delete(name)


async def _consume_then_die(namespace: str, die_after: int) -> None:
    settings = Settings()
    pool = await create_pool(settings.database_url, "ledger", min_size=1, max_size=4)
    bus = Bus(settings.amqp_url, namespace=namespace, service="ledger", prefetch=PREFETCH)
    await bus.connect(wait_seconds=10)
    committed = 0

    async def on_accepted(deliveries: list[Delivery]) -> None:
        nonlocal committed
        async with unit_of_work(pool) as tx:
            for delivery in deliveries:
                await book_accepted(tx, parse(delivery.routing_key, delivery.body))
        committed += len(deliveries)
        if committed >= die_after:
            os._exit(1)  # committed, not acknowledged: these come back, with the rest

    await bus.subscribe_batch(QUEUE, ATTRIBUTED_KEYS, on_accepted)
    print("ready", flush=True)
    await asyncio.sleep(60)
    os._exit(2)


if __name__ == "__main__":
    asyncio.run(_consume_then_die(sys.argv[1], int(sys.argv[2])))
