"""SQL for provider connections (secrets sealed per cell) and the provider events received."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from libs.contracts.integrations import Provider
from libs.shared.db import Conn
from libs.shared.sealed_columns import SealedColumns
from libs.shared.secret_box import KeyRing, OpenedCache

WEBHOOK_SECRET, RESTRICTED_KEY = "webhook_secret", "restricted_api_key"
INTEGRATION_SECRETS = SealedColumns("tracking", "provider_integrations",
                                    (WEBHOOK_SECRET, RESTRICTED_KEY))


@dataclass(frozen=True, slots=True)
class Connection:
    id: uuid.UUID
    org_id: uuid.UUID
    provider: Provider
    org_handle: str
    webhook_secret: str
    restricted_api_key: str | None
    connected_at: datetime


def sealed(ring: KeyRing, c: Connection) -> tuple[str, str | None]:
    key = c.restricted_api_key
    return (ring.seal(c.webhook_secret, INTEGRATION_SECRETS.context(WEBHOOK_SECRET, c.id)),
            None if key is None else ring.seal(key, INTEGRATION_SECRETS.context(
                RESTRICTED_KEY, c.id)))


class IntegrationsRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def get(self, org_id: uuid.UUID, provider: Provider) -> asyncpg.Record | None:
        return await self.conn.fetchrow(
            "SELECT * FROM provider_integrations WHERE org_id = $1 AND provider = $2",
            org_id, provider.value)

    async def by_handle(self, org_handle: str, provider: Provider) -> asyncpg.Record | None:
        return await self.conn.fetchrow(
            "SELECT id, org_id, webhook_secret FROM provider_integrations "
            "WHERE org_handle = $1 AND provider = $2", org_handle, provider.value)

    async def providers_of(self, org_id: uuid.UUID) -> set[str]:
        rows = await self.conn.fetch(
            "SELECT provider FROM provider_integrations WHERE org_id = $1", org_id)
        return {row["provider"] for row in rows}

    async def replace(self, c: Connection, ring: KeyRing) -> None:
        """Connect, or reconnect with new secrets, in one statement (concurrent connects of
        one org do not collide). A reconnect takes a new row id: the sealed values are bound
        to it."""
        secret, key = sealed(ring, c)
        await self.conn.execute(
            "INSERT INTO provider_integrations (id, org_id, provider, org_handle, "
            "webhook_secret, restricted_api_key, connected_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, provider) DO UPDATE SET "
            "id = EXCLUDED.id, org_handle = EXCLUDED.org_handle, "
            "webhook_secret = EXCLUDED.webhook_secret, "
            "restricted_api_key = EXCLUDED.restricted_api_key, "
            "connected_at = EXCLUDED.connected_at",
            c.id, c.org_id, c.provider.value, c.org_handle, secret, key, c.connected_at)

    async def delete(self, org_id: uuid.UUID, provider: Provider) -> bool:
        done = await self.conn.fetchval(
            "DELETE FROM provider_integrations WHERE org_id = $1 AND provider = $2 "
            "RETURNING true", org_id, provider.value)
        return bool(done)

    async def record_event(self, org_id: uuid.UUID, provider: Provider, event_id: str,
                           event_type: str, body: str, received_at: datetime,
                           payout_grace_days: int) -> bool:
        """False when the event id was recorded before (a retry or a replay). The body is
        stored as the provider sent it (parsed by PostgreSQL, not re-serialised)."""
        done = await self.conn.fetchval(
            "INSERT INTO provider_events (org_id, provider, event_id, event_type, payload, "
            "received_at, payout_grace_days) VALUES ($1, $2, $3, $4, ($5::text)::jsonb, $6, $7) "
            "ON CONFLICT DO NOTHING RETURNING true",
            org_id, provider.value, event_id, event_type, body, received_at, payout_grace_days)
        return bool(done)


def opened_webhook_secret(cache: OpenedCache, row: asyncpg.Record) -> str:
    return cache.open(row[WEBHOOK_SECRET], INTEGRATION_SECRETS.context(WEBHOOK_SECRET,
                                                                       row["id"]))


def opened_restricted_key(cache: OpenedCache, row: asyncpg.Record) -> str | None:
    sealed_key = row[RESTRICTED_KEY]
    if sealed_key is None:
        return None
    return cache.open(sealed_key, INTEGRATION_SECRETS.context(RESTRICTED_KEY, row["id"]))
