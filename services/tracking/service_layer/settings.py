"""The org's tracking settings: where short links land."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from libs.contracts.tracking import GetTrackingSettings, UpdateTrackingSettings
from libs.shared.uow import unit_of_work
from services.tracking.adapters.settings_repository import SettingsRepository


async def get_settings(pool: asyncpg.Pool, cmd: GetTrackingSettings) -> dict[str, Any]:
    async with pool.acquire() as conn:
        row = await SettingsRepository(conn).get(cmd.org_id)
    return {"landingUrl": row["landing_url"] if row else None}


async def update_settings(pool: asyncpg.Pool, cmd: UpdateTrackingSettings) -> dict[str, Any]:
    new = str(cmd.data.landing_url) if cmd.data.landing_url is not None else None
    async with unit_of_work(pool) as tx:
        repo = SettingsRepository(tx.conn)
        await repo.lock_org(cmd.org_id)
        row = await repo.get(cmd.org_id, for_update=True)
        old = row["landing_url"] if row else None
        if old != new:
            await repo.set_landing_url(cmd.org_id, new)
            await tx.audit(org_id=cmd.org_id, actor=cmd.actor,
                           action="org.tracking_settings_changed", entity_type="org",
                           entity_id=str(cmd.org_id), before={"landingUrl": old},
                           after={"landingUrl": new}, created_at=datetime.now(UTC))
    return {"landingUrl": new}
