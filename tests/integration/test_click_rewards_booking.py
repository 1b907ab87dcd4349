"""Booking closed click buckets in the real ledger schema: one ClickReward per bucket on CPC
programs (the affiliate's custom value wins, the org's currency and grace days apply), nothing
twice however often or concurrently a bucket is delivered, nothing at all for other programs."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import aio_pika
import asyncpg
import pytest

from libs.contracts.click_rewards import CLICKS_AGGREGATED
from libs.shared.db import connect
from libs.shared.settings import Settings
from services.gateway.adapters.orgs_repository import OrgsRepository
from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.service_layer.admin import create_org
from services.gateway.service_layer.org_settings import settings_of
from services.ledger.click_rewards.entrypoints.consumers import QUEUE, subscribe_click_rewards
from services.ledger.click_rewards.service_layer.handlers import book_click_reward
from services.ledger.org_settings.service_layer.handlers import apply_org_settings
from tests.common.buses import NAMESPACE, MakeBus
from tests.common.click_rewards import NOW, booked, bucket
from tests.common.waiting import eventually


@pytest.fixture
async def org_id(settings: Settings, pool: asyncpg.Pool) -> uuid.UUID:
    """A real org (the gateway's row) whose home currency is EUR, with the ledger's copy of its
    settings (what its org.settings_changed event leaves)."""
    conn = await connect(settings.database_url, "gateway")
    try:
        handle = f"cpc-{uuid.uuid4().hex[:10]}"
        org = await create_org(conn, name=handle, handle=handle, plan=Tier.Pro,
                               status=SubscriptionStatus.Active, home_currency="EUR")
        await conn.execute("UPDATE orgs SET payout_grace_days = 7 WHERE id = $1", org.org_id)
        row = await OrgsRepository(conn).settings(org.org_id)
    finally:
        await conn.close()
    assert row is not None
    await apply_org_settings(pool, [settings_of(row)], now=NOW)
    return org.org_id


async def test_one_click_reward_per_bucket_however_often_delivered(
        pool: asyncpg.Pool, org_id: uuid.UUID) -> None:
    event = await bucket(pool, org_id, 12)
    ids = await asyncio.gather(*(book_click_reward(pool, event, now=NOW) for _ in range(5)))
    assert sum(1 for i in ids if i is not None) == 1
    assert await book_click_reward(pool, event, now=NOW) is None  # a later redelivery
    [row] = await booked(pool, event)
    assert (row["type"], row["status"], row["amount_cents"], row["commission_cents"],
            row["currency"]) == ("ClickReward", "Pending", 0, 300, "EUR")
    assert (row["attribution_method"], row["external_event_id"]) == (
        "cpc_aggregation", f"cpc:{event.bucket_id}")
    assert row["approve_after"] == NOW + timedelta(days=7)
    assert (row["timeline"], row["announced"]) == (1, 1)


async def test_the_affiliates_custom_value_wins(pool: asyncpg.Pool, org_id: uuid.UUID) -> None:
    event = await bucket(pool, org_id, 3, customCommissionType="Fixed",
                         customCommissionValue=1.5)
    await book_click_reward(pool, event, now=NOW)
    [row] = await booked(pool, event)
    assert row["commission_cents"] == 450


@pytest.mark.parametrize("model", ["Cps", "Cpl"])
async def test_other_programs_book_nothing(pool: asyncpg.Pool, org_id: uuid.UUID,
                                           model: str) -> None:
    event = await bucket(pool, org_id, 40, model=model)
    assert await book_click_reward(pool, event, now=NOW) is None
    assert await booked(pool, event) == []


async def test_consumer_books_redelivered_bucket_once(
        pool: asyncpg.Pool, org_id: uuid.UUID, make_bus: MakeBus, settings: Settings) -> None:
    service = f"ledger-cpc-{uuid.uuid4().hex[:8]}"
    consumer, publisher = await make_bus(service), await make_bus(f"{service}-pub")
    try:
        await subscribe_click_rewards(consumer, pool)
        event = await bucket(pool, org_id, 4)
        body = event.model_dump(mode="json", by_alias=True)
        for copy in range(3):  # the outbox relay may send a bucket more than once
            await publisher.publish(CLICKS_AGGREGATED, body, message_id=f"m{copy}")

        async def settled() -> list[asyncpg.Record] | None:
            rows = await booked(pool, event)
            return rows or None
        await eventually(settled, what="click reward booked")
        await asyncio.sleep(0.5)  # the other copies, consumed by now, added nothing
        assert [r["commission_cents"] for r in await booked(pool, event)] == [100]
    finally:
        connection = await aio_pika.connect(settings.amqp_url)
        channel = await connection.channel()
        for name in (f"{NAMESPACE}.{service}.{QUEUE}", f"{NAMESPACE}.{service}.{QUEUE}.dlq"):
            await channel.queue_delete(name)
        await connection.close()
