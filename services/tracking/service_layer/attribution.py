"""Use cases for the attribution-param settings (rows 61-63)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from libs.contracts.attribution import (
    DEFAULT_PARAMS,
    MAX_CUSTOM_ENTRIES,
    MAX_TOTAL_CHARS,
    AttributionParams,
    GetAttributionParams,
    UpdateAttributionParams,
)
from libs.shared.uow import unit_of_work
from services.tracking.adapters.settings_repository import SettingsRepository
from services.tracking.domain.attribution import effective_order, parse_custom, stored_custom


def params_body(custom: str | None) -> dict[str, Any]:
    return AttributionParams(
        custom=custom, defaults=list(DEFAULT_PARAMS), effective_order=effective_order(custom),
        max_custom_entries=MAX_CUSTOM_ENTRIES, max_total_chars=MAX_TOTAL_CHARS,
    ).model_dump(by_alias=True)


async def custom_params(pool: asyncpg.Pool, org_id: Any) -> str | None:
    async with pool.acquire() as conn:
        row = await SettingsRepository(conn).get(org_id)
    return row["custom_params"] if row else None


async def get_params(pool: asyncpg.Pool, cmd: GetAttributionParams) -> dict[str, Any]:
    return params_body(await custom_params(pool, cmd.org_id))


async def update_params(pool: asyncpg.Pool, cmd: UpdateAttributionParams) -> dict[str, Any]:
    new = stored_custom(parse_custom(cmd.data.custom))
    async with unit_of_work(pool) as tx:
        repo = SettingsRepository(tx.conn)
        await repo.lock_org(cmd.org_id)
        row = await repo.get(cmd.org_id, for_update=True)
        old = row["custom_params"] if row else None
        if old != new:
            await repo.set_custom(cmd.org_id, new)
            await tx.audit(org_id=cmd.org_id, actor=cmd.actor,
                           action="org.attribution_params_changed", entity_type="org",
                           entity_id=str(cmd.org_id), before={"custom": old},
                           after={"custom": new}, created_at=datetime.now(UTC))
    return params_body(new)
