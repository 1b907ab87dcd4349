"""The org's tracking settings: where short links land."""

from __future__ import annotations

import uuid

import asyncpg

from libs.contracts.common import Actor
from libs.contracts.tracking import GetTrackingSettings, TrackingSettings, UpdateTrackingSettings
from libs.shared.clock import now_utc
from libs.shared.uow import unit_of_work
from services.tracking.adapters.settings_repository import SettingsRepository


async def get_settings(pool: asyncpg.Pool, cmd: GetTrackingSettings) -> TrackingSettings:
    async with pool.acquire() as conn:
        row = await SettingsRepository(conn).get(cmd.org_id)
    return TrackingSettings(landing_url=row["landing_url"] if row else None)


async def change_setting(pool: asyncpg.Pool, org_id: uuid.UUID, actor: Actor, *, column: str,
                         new: str | None, action: str, key: str) -> None:
    """Store one org setting; a real change is audited (``action``, before/after under
    ``key``), the same value again writes nothing. Writers of one org are serialised."""
    async with unit_of_work(pool) as tx:
        repo = SettingsRepository(tx.conn)
        await repo.lock_org(org_id)
        row = await repo.get(org_id, for_update=True)
        old = row[column] if row else None
        if old != new:
            await repo.set(org_id, column, new)
            await tx.audit(org_id=org_id, actor=actor, action=action, entity_type="org",
                           entity_id=str(org_id), before={key: old}, after={key: new},
                           created_at=now_utc())


async def update_settings(pool: asyncpg.Pool, cmd: UpdateTrackingSettings
                          ) -> TrackingSettings:
    new = str(cmd.data.landing_url) if cmd.data.landing_url is not None else None
    await change_setting(pool, cmd.org_id, cmd.actor, column="landing_url", new=new,
                         action="org.tracking_settings_changed", key="landingUrl")
    return TrackingSettings(landing_url=new)
