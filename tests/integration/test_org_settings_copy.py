"""The ledger's copy of org settings (``org_settings``) in the real ledger schema and broker: it
only moves forward, redeliveries change nothing, and a CPC bucket that arrives before its org's
copy is parked (never booked in a guessed currency) and booked exactly once when the copy comes,
however the two race."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aio_pika
import asyncpg
import pytest

from libs.contracts.click_rewards import CLICKS_AGGREGATED
from libs.contracts.orgs import ORG_SETTINGS_CHANGED, ORG_SETTINGS_REQUESTED, OrgSettings
from libs.shared.bus import Bus
from libs.shared.settings import Settings
from services.ledger.click_rewards.entrypoints import consumers as click_rewards
from services.ledger.click_rewards.service_layer.handlers import book_click_reward
from services.ledger.org_settings.entrypoints import consumers as org_settings
from services.ledger.org_settings.service_layer.handlers import apply_org_settings
from tests.common.buses import NAMESPACE, MakeBus
from tests.common.click_rewards import NOW, booked, bucket
from tests.common.waiting import eventually

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def settings_event(org_id: uuid.UUID, currency: str, grace: int, at: datetime) -> OrgSettings:
    return OrgSettings(org_id=org_id, home_currency=currency, payout_grace_days=grace,
                       plan_tier="Pro", subscription_status="Active", changed_at=at)


async def copy_of(pool: asyncpg.Pool, org_id: uuid.UUID) -> tuple[str, int, datetime] | None:
    row = await pool.fetchrow("SELECT home_currency, payout_grace_days, updated_at FROM "
                              "org_settings WHERE org_id = $1", org_id)
    return (row["home_currency"], row["payout_grace_days"], row["updated_at"]) if row else None


async def parked(pool: asyncpg.Pool, org_id: uuid.UUID) -> int:
    return int(await pool.fetchval(
        "SELECT count(*) FROM parked_click_buckets WHERE org_id = $1", org_id))


async def requests(pool: asyncpg.Pool, org_id: uuid.UUID) -> int:
    return int(await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE routing_key = $1 AND payload->>'orgId' = $2",
        ORG_SETTINGS_REQUESTED, str(org_id)))


@pytest.fixture
async def buses(settings: Settings, make_bus: MakeBus) -> AsyncIterator[tuple[Bus, Bus]]:
    """A consumer bus (a service of its own, whose click-reward and org-settings queues are
    deleted afterwards) and a publisher."""
    service = f"ledger-orgs-{uuid.uuid4().hex[:8]}"
    yield await make_bus(service), await make_bus(f"{service}-pub")
    connection = await aio_pika.connect(settings.amqp_url)
    channel = await connection.channel()
    for queue in (click_rewards.QUEUE, org_settings.QUEUE):
        for name in (f"{NAMESPACE}.{service}.{queue}", f"{NAMESPACE}.{service}.{queue}.dlq"):
            await channel.queue_delete(name)
    await connection.close()


async def test_the_copy_moves_forward_only(pool: asyncpg.Pool) -> None:
    org_id = uuid.uuid4()
    await apply_org_settings(pool, [settings_event(org_id, "EUR", 7, T0)], now=NOW)
    newer = settings_event(org_id, "JPY", 14, T0 + timedelta(microseconds=1))
    await apply_org_settings(pool, [newer], now=NOW)
    assert await copy_of(pool, org_id) == ("JPY", 14, newer.changed_at)
    for stale in (settings_event(org_id, "USD", 3, T0),  # overtaken by the newer one
                  settings_event(org_id, "GBP", 1, newer.changed_at)):  # same version
        await apply_org_settings(pool, [stale], now=NOW)
        assert await copy_of(pool, org_id) == ("JPY", 14, newer.changed_at)


async def test_a_burst_keeps_each_orgs_latest_whatever_its_order(pool: asyncpg.Pool) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    await apply_org_settings(pool, [
        settings_event(first, "CHF", 2, T0 + timedelta(days=1)),
        settings_event(second, "SEK", 5, T0),
        settings_event(first, "EUR", 9, T0)], now=NOW)
    assert await copy_of(pool, first) == ("CHF", 2, T0 + timedelta(days=1))
    assert await copy_of(pool, second) == ("SEK", 5, T0)


async def test_consumer_applies_redelivered_and_late_events_once(
        pool: asyncpg.Pool, buses: tuple[Bus, Bus]) -> None:
    consumer, publisher = buses
    await org_settings.subscribe_org_settings(consumer, pool)
    org_id = uuid.uuid4()
    old = settings_event(org_id, "USD", 30, T0)
    new = settings_event(org_id, "EUR", 10, T0 + timedelta(hours=1))
    for n, event in enumerate((new, new, old, new)):  # copies, and the older one last
        await publisher.publish(ORG_SETTINGS_CHANGED, event.model_dump(mode="json",
                                                                       by_alias=True),
                                message_id=f"m{n}")

    async def arrived() -> tuple[str, int, datetime] | None:
        return await copy_of(pool, org_id)
    await eventually(arrived, what="the org's copy")
    await asyncio.sleep(0.5)  # every copy consumed by now
    assert await copy_of(pool, org_id) == ("EUR", 10, new.changed_at)


async def test_a_bucket_without_copy_is_parked_then_booked_once_it_arrives(
        pool: asyncpg.Pool) -> None:
    org_id = uuid.uuid4()
    event = await bucket(pool, org_id, 12)
    for _ in range(2):  # the bus redelivers it: parked once, the gateway asked each time
        assert await book_click_reward(pool, event, now=NOW) is None
    assert (await booked(pool, event), await parked(pool, org_id)) == ([], 1)
    assert await requests(pool, org_id) == 2

    arrival = NOW + timedelta(minutes=5)
    await apply_org_settings(pool, [settings_event(org_id, "EUR", 7, T0)], now=arrival)
    [row] = await booked(pool, event)
    assert (row["currency"], row["commission_cents"], row["approve_after"]) == (
        "EUR", 300, arrival + timedelta(days=7))
    assert (row["timeline"], row["announced"], await parked(pool, org_id)) == (1, 1, 0)
    # A late redelivery of the bucket or of the settings books nothing more.
    assert await book_click_reward(pool, event, now=NOW) is None
    await apply_org_settings(pool, [settings_event(org_id, "EUR", 7, T0 + timedelta(1))],
                             now=NOW)
    assert len(await booked(pool, event)) == 1


async def test_parking_and_the_copys_arrival_never_miss_each_other(pool: asyncpg.Pool) -> None:
    orgs = [uuid.uuid4() for _ in range(12)]
    events = [await bucket(pool, org_id, 2) for org_id in orgs]
    await asyncio.gather(*(
        job for org_id, event in zip(orgs, events, strict=True) for job in (
            book_click_reward(pool, event, now=NOW),
            apply_org_settings(pool, [settings_event(org_id, "EUR", 0, T0)], now=NOW))))
    for org_id, event in zip(orgs, events, strict=True):
        assert [r["commission_cents"] for r in await booked(pool, event)] == [50]
        assert await parked(pool, org_id) == 0


async def test_over_the_bus_a_bucket_before_its_copy_is_booked_when_the_copy_comes(
        pool: asyncpg.Pool, buses: tuple[Bus, Bus]) -> None:
    consumer, publisher = buses
    await click_rewards.subscribe_click_rewards(consumer, pool)
    await org_settings.subscribe_org_settings(consumer, pool)
    org_id = uuid.uuid4()
    event = await bucket(pool, org_id, 4)
    await publisher.publish(CLICKS_AGGREGATED, event.model_dump(mode="json", by_alias=True),
                            message_id="bucket")

    async def is_parked() -> bool | None:
        return True if await parked(pool, org_id) else None
    await eventually(is_parked, what="bucket parked")
    await asyncio.sleep(2.5)  # longer than the bus's redeliveries of a failing message take
    assert await booked(pool, event) == []
    await publisher.publish(ORG_SETTINGS_CHANGED, settings_event(
        org_id, "GBP", 3, T0).model_dump(mode="json", by_alias=True), message_id="settings")

    async def settled() -> list[asyncpg.Record] | None:
        return await booked(pool, event) or None
    [row] = await eventually(settled, what="click reward booked")
    assert (row["currency"], row["commission_cents"]) == ("GBP", 100)
