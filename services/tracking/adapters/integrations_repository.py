"""SQL for provider connections (secrets sealed per cell) and the provider events received."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from libs.contracts.integrations import PROVIDER_EVENT_RECEIVED, Provider, ProviderEventStored
from libs.shared.db import Conn
from libs.shared.ids import new_id
from libs.shared.outbox import CHANNEL_PREFIX, staged_columns
from libs.shared.sealed_columns import SealedColumns
from libs.shared.secret_box import KeyRing, OpenedCache

WEBHOOK_SECRET, RESTRICTED_KEY = "webhook_secret", "restricted_api_key"

# One statement, so one round trip: the events that were new, their outbox events (joined by
# position to the fresh rows) and the relay's wake-up, delivered when the statement commits.
_RECORD = """
WITH given AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                       $6::timestamptz[], $7::int[])
    WITH ORDINALITY AS g(org_id, provider, event_id, event_type, body, received_at, grace, n)),
fresh AS (
  INSERT INTO provider_events (org_id, provider, event_id, event_type, payload, received_at,
                               payout_grace_days)
  SELECT org_id, provider, event_id, event_type, body::jsonb, received_at, grace FROM given
  ON CONFLICT DO NOTHING
  RETURNING org_id, provider, event_id),
staged AS (
  INSERT INTO outbox (id, routing_key, payload, headers, created_at)
  SELECT e.id, e.routing_key, e.payload::json, $8::json, e.created_at
  FROM unnest($9::uuid[], $10::text[], $11::text[], $12::timestamptz[])
    WITH ORDINALITY AS e(id, routing_key, payload, created_at, n)
  JOIN given g USING (n) JOIN fresh f USING (org_id, provider, event_id)
  RETURNING 1),
woke AS (
  SELECT count(*) FROM (SELECT pg_notify($13 || current_schema(), current_schema())
                        WHERE EXISTS (SELECT 1 FROM staged)) w)
SELECT org_id, provider, event_id FROM fresh, woke"""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A verified provider event to store, and the outbox event that announces it."""

    org_id: uuid.UUID
    provider: Provider
    event_id: str
    event_type: str
    body: str
    received_at: datetime
    payout_grace_days: int

    def outbox_body(self) -> str:
        return ProviderEventStored(
            org_id=self.org_id, provider=self.provider, event_id=self.event_id,
            event_type=self.event_type, received_at=self.received_at,
        ).model_dump_json(by_alias=True)
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

    async def record_events(self, events: list[StoredEvent], *, now: datetime
                            ) -> set[tuple[uuid.UUID, str, str]]:
        """Store events (keys unique in the list) and, for those not recorded before (a retry
        or a replay is), their outbox events, in one statement; the (org, provider, event id)
        keys that were new. Bodies are stored as the provider sent them (parsed by
        PostgreSQL, not re-serialised)."""
        headers, ids, keys, bodies, times = staged_columns(
            [(new_id(), PROVIDER_EVENT_RECEIVED, e.outbox_body()) for e in events], now=now)
        rows = await self.conn.fetch(
            _RECORD, [e.org_id for e in events], [e.provider.value for e in events],
            [e.event_id for e in events], [e.event_type for e in events],
            [e.body for e in events], [e.received_at for e in events],
            [e.payout_grace_days for e in events], headers, ids, keys, bodies, times,
            CHANNEL_PREFIX)
        return {(r["org_id"], r["provider"], r["event_id"]) for r in rows}


def opened_webhook_secret(cache: OpenedCache, row: asyncpg.Record) -> str:
    return cache.open(row[WEBHOOK_SECRET], INTEGRATION_SECRETS.context(WEBHOOK_SECRET,
                                                                       row["id"]))


def opened_restricted_key(cache: OpenedCache, row: asyncpg.Record) -> str | None:
    sealed_key = row[RESTRICTED_KEY]
    if sealed_key is None:
        return None
    return cache.open(sealed_key, INTEGRATION_SECRETS.context(RESTRICTED_KEY, row["id"]))
