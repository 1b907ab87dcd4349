"""SQL for an org's home currency (a column of ``orgs``, which the gateway owns)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from libs.shared.db import Conn
from services.gateway.adapters.orgs_repository import BUMP_UPDATED_AT, KEYS_CHANGED_CHANNEL


async def home_currency(conn: Conn, org_id: uuid.UUID, *, for_update: bool = False
                        ) -> asyncpg.Record | None:
    """``home_currency`` and ``home_currency_changed_at``; locked when the caller will change
    them, so concurrent changes each see the value they replace."""
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(
        f"SELECT home_currency, home_currency_changed_at FROM orgs WHERE id = $1{lock}", org_id)


async def set_home_currency(conn: Conn, org_id: uuid.UUID, currency: str, at: datetime) -> None:
    await conn.execute(
        f"UPDATE orgs SET home_currency = $2, home_currency_changed_at = $3, {BUMP_UPDATED_AT} "
        "WHERE id = $1", org_id, currency, at)
    # Gateways cache org rows (the S2S path reads the home currency from them): drop them.
    await conn.execute("SELECT pg_notify($1, '')", KEYS_CHANGED_CHANNEL)
