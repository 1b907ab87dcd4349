"""SQL for the per-org tracking settings."""

from __future__ import annotations

import uuid

import asyncpg

from libs.shared.db import Conn

COLUMNS = frozenset({"custom_params", "landing_url"})


class SettingsRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def get(self, org_id: uuid.UUID, *, for_update: bool = False
                  ) -> asyncpg.Record | None:
        lock = " FOR UPDATE" if for_update else ""
        return await self.conn.fetchrow(
            f"SELECT custom_params, landing_url FROM org_settings WHERE org_id = $1{lock}",
            org_id)

    async def lock_org(self, org_id: uuid.UUID) -> None:
        """Serialise concurrent writers of one org's settings (the row may not exist yet)."""
        await self.conn.execute(
            "INSERT INTO org_settings (org_id) VALUES ($1) ON CONFLICT DO NOTHING", org_id)

    async def set(self, org_id: uuid.UUID, column: str, value: str | None) -> None:
        if column not in COLUMNS:  # a column name is never taken from a request
            raise ValueError(f"not an org setting: {column}")
        await self.conn.execute(
            f"UPDATE org_settings SET {column} = $2, updated_at = now() WHERE org_id = $1",
            org_id, value)
