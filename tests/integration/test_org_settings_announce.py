"""The gateway announces org settings (``org.settings_changed``) through its outbox: with every
change to an org, in that change's transaction, each a strictly later version; on request; for
every org at once (the admin command); and once per existing org in the migration that
introduced the event."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from libs.contracts.common import Actor, ActorType
from libs.contracts.orgs import ORG_SETTINGS_CHANGED, OrgSettings, OrgSettingsRequested
from libs.shared.db import connect, create_pool
from libs.shared.settings import Settings
from services.cli import migration_folders
from services.gateway.adapters.orgs_repository import OrgsRepository
from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.service_layer.admin import create_org, set_plan
from services.gateway.service_layer.home_currency import change_home_currency
from services.gateway.service_layer.org_settings import announce_all, on_request, settings_of

BACKFILL = migration_folders()["gateway"] / "0013_announce_org_settings.sql"


@pytest.fixture
async def gateway(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings.database_url, "gateway", min_size=1, max_size=4)
    yield pool
    await pool.close()


async def new_org(pool: asyncpg.Pool) -> uuid.UUID:
    async with pool.acquire() as conn:
        handle = f"orgs-{uuid.uuid4().hex[:10]}"
        org = await create_org(conn, name=handle, handle=handle, plan=Tier.Starter,
                               status=SubscriptionStatus.Trialing, home_currency="EUR")
    return org.org_id


async def announced(conn: asyncpg.Connection | asyncpg.Pool, org_id: uuid.UUID
                    ) -> list[OrgSettings]:
    rows = await conn.fetch(
        "SELECT payload FROM outbox WHERE routing_key = $1 AND payload->>'orgId' = $2 "
        "ORDER BY created_at", ORG_SETTINGS_CHANGED, str(org_id))
    return [OrgSettings.model_validate(r["payload"]) for r in rows]


async def current(pool: asyncpg.Pool, org_id: uuid.UUID) -> OrgSettings:
    async with pool.acquire() as conn:
        row = await OrgsRepository(conn).settings(org_id)
    assert row is not None
    return settings_of(row)


async def test_every_change_is_announced_with_a_later_version(gateway: asyncpg.Pool) -> None:
    org_id = await new_org(gateway)
    async with gateway.acquire() as conn:
        await set_plan(conn, org_id, Tier.Pro, SubscriptionStatus.Active)
    await change_home_currency(gateway, org_id, "JPY", Actor(type=ActorType.admin))
    await change_home_currency(gateway, org_id, "JPY", Actor(type=ActorType.admin))  # no-op

    events = await announced(gateway, org_id)
    assert [(e.plan_tier, e.subscription_status, e.home_currency) for e in events] == [
        ("Starter", "Trialing", "EUR"), ("Pro", "Active", "EUR"), ("Pro", "Active", "JPY")]
    assert {e.payout_grace_days for e in events} == {30}
    versions = [e.changed_at for e in events]
    assert versions == sorted(set(versions))  # strictly increasing
    assert events[-1] == await current(gateway, org_id)


async def test_a_request_announces_a_known_org_again(gateway: asyncpg.Pool) -> None:
    org_id = await new_org(gateway)
    await on_request(gateway, OrgSettingsRequested(org_id=org_id, requested_by="ledger"))
    await on_request(gateway, OrgSettingsRequested(org_id=uuid.uuid4(), requested_by="ledger"))
    assert await announced(gateway, org_id) == [await current(gateway, org_id)] * 2


async def test_announce_all_and_the_backfill_migration_announce_every_org(
        settings: Settings, gateway: asyncpg.Pool) -> None:
    org_id = await new_org(gateway)
    conn = await connect(settings.database_url, "gateway")
    try:
        for stage in (announce_all, _run_backfill):
            tx = conn.transaction()
            await tx.start()  # rolled back: the shared test database keeps its outbox small
            try:
                before = await _count(conn)
                await stage(conn)
                assert await _count(conn) - before == await conn.fetchval(
                    "SELECT count(*) FROM orgs")
                assert (await announced(conn, org_id))[-1] == await current(gateway, org_id)
            finally:
                await tx.rollback()
    finally:
        await conn.close()


async def _run_backfill(conn: asyncpg.Connection) -> None:
    await conn.execute(Path(BACKFILL).read_text())


async def _count(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE routing_key = $1",
                                   ORG_SETTINGS_CHANGED))
