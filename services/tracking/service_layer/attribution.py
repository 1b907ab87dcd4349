"""Use cases for the attribution-param settings (rows 61-63)."""

from __future__ import annotations

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
from services.tracking.adapters.settings_repository import SettingsRepository
from services.tracking.domain.attribution import effective_order, parse_custom, stored_custom
from services.tracking.service_layer.settings import change_setting


def params_reply(custom: str | None) -> AttributionParams:
    return AttributionParams(
        custom=custom, defaults=list(DEFAULT_PARAMS), effective_order=effective_order(custom),
        max_custom_entries=MAX_CUSTOM_ENTRIES, max_total_chars=MAX_TOTAL_CHARS)


async def custom_params(pool: asyncpg.Pool, org_id: Any) -> str | None:
    async with pool.acquire() as conn:
        row = await SettingsRepository(conn).get(org_id)
    return row["custom_params"] if row else None


async def get_params(pool: asyncpg.Pool, cmd: GetAttributionParams) -> AttributionParams:
    return params_reply(await custom_params(pool, cmd.org_id))


async def update_params(pool: asyncpg.Pool, cmd: UpdateAttributionParams
                        ) -> AttributionParams:
    new = stored_custom(parse_custom(cmd.data.custom))
    await change_setting(pool, cmd.org_id, cmd.actor, column="custom_params", new=new,
                         action="org.attribution_params_changed", key="custom")
    return params_reply(new)
