"""SQL for accepted S2S events and leads: the dedupe keys, what a renewal, a refund or an e-mail
match is attributed to, and the batch insert of one group commit."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from libs.shared.db import Conn
from libs.shared.ids import new_id
from libs.shared.outbox import CHANNEL_PREFIX, staged_columns

# One statement, so one round trip and no BEGIN/COMMIT: the accepted rows, the outbox events of
# the rows that were new (a key committed already keeps its first event), and the relay's
# wake-up, which PostgreSQL delivers when the statement commits. ``woke`` always has one row.
_ACCEPT = """
WITH fresh AS (
  INSERT INTO s2s_events (org_id, external_event_id, kind, conversion_id, affiliate_id,
                          program_id, subscription_id, refund_of, accepted_at)
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::uuid[],
                       $7::text[], $8::text[], $9::timestamptz[])
  ON CONFLICT DO NOTHING
  RETURNING org_id, external_event_id),
staged AS (
  INSERT INTO outbox (id, routing_key, payload, headers, created_at)
  SELECT e.id, e.routing_key, e.payload::json, $10::json, e.created_at
  FROM unnest($11::uuid[], $12::text[], $13::text[], $14::timestamptz[], $15::uuid[],
              $16::text[]) AS e(id, routing_key, payload, created_at, org_id, external_event_id)
  JOIN fresh f USING (org_id, external_event_id)
  RETURNING 1),
woke AS (
  SELECT count(*) FROM (SELECT pg_notify($17 || current_schema(), current_schema())
                        WHERE EXISTS (SELECT 1 FROM staged)) n)
SELECT org_id, external_event_id FROM fresh, woke"""


class S2SRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def accept(self, rows: list[tuple[object, ...]],
                     events: list[tuple[tuple[uuid.UUID, str], str, str]], *, now: datetime
                     ) -> set[tuple[uuid.UUID, str]]:
        """Insert accepted rows and, for those that were new, their (key, routing key, JSON
        body) events into the outbox, atomically; returns the (org, externalEventId) keys that
        were new."""
        columns = [list(column) for column in zip(*rows, strict=True)]
        headers, ids, keys, bodies, times = staged_columns(
            [(new_id(), routing_key, body) for _, routing_key, body in events], now=now)
        inserted = await self.conn.fetch(
            _ACCEPT, *columns, headers, ids, keys, bodies, times,
            [org_id for (org_id, _), _, _ in events], [key for (_, key), _, _ in events],
            CHANNEL_PREFIX)
        return {(r["org_id"], r["external_event_id"]) for r in inserted}

    async def conversion_ids(self, keys: set[tuple[uuid.UUID, str]]
                             ) -> dict[tuple[uuid.UUID, str], uuid.UUID]:
        """The stored conversion id of each (org, externalEventId) key that has a row."""
        rows = await self.conn.fetch(
            "SELECT org_id, external_event_id, conversion_id FROM s2s_events "
            "JOIN unnest($1::uuid[], $2::text[]) AS k(org_id, external_event_id) "
            "USING (org_id, external_event_id)",
            [org_id for org_id, _ in keys], [event_id for _, event_id in keys])
        return {(r["org_id"], r["external_event_id"]): r["conversion_id"] for r in rows}

    async def subscription_owner(self, org_id: uuid.UUID, subscription_id: str
                                 ) -> asyncpg.Record | None:
        """The affiliate and program of the subscription's first sale."""
        return await self.conn.fetchrow(
            "SELECT affiliate_id, program_id FROM s2s_events WHERE org_id = $1 "
            "AND subscription_id = $2 AND kind = 'sale' ORDER BY accepted_at LIMIT 1",
            org_id, subscription_id)

    async def sale(self, org_id: uuid.UUID, external_event_id: str) -> asyncpg.Record | None:
        return await self.conn.fetchrow(
            "SELECT conversion_id, affiliate_id, program_id FROM s2s_events "
            "WHERE org_id = $1 AND external_event_id = $2 AND kind = 'sale'",
            org_id, external_event_id)

    async def lead_of_email(self, org_id: uuid.UUID, email: str) -> asyncpg.Record | None:
        """The first referral of a customer e-mail in the org."""
        return await self.conn.fetchrow(
            "SELECT affiliate_id, program_id FROM leads WHERE org_id = $1 AND email = $2 "
            "ORDER BY created_at LIMIT 1", org_id, email)

    async def add_lead(self, *, org_id: uuid.UUID, program_id: uuid.UUID, email: str,
                       affiliate_id: uuid.UUID, conversion_id: uuid.UUID,
                       external_event_id: str | None, now: datetime) -> bool:
        """False when the e-mail is already a lead of the program, or the event id was used."""
        inserted = await self.conn.fetchval(
            "INSERT INTO leads (org_id, program_id, email, affiliate_id, conversion_id, "
            "external_event_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
            "ON CONFLICT DO NOTHING RETURNING true", org_id, program_id, email, affiliate_id,
            conversion_id, external_event_id, now)
        return bool(inserted)

    async def lead_conversion_id(self, *, org_id: uuid.UUID, program_id: uuid.UUID,
                                 email: str, external_event_id: str | None
                                 ) -> uuid.UUID | None:
        """The conversion id of the lead that made ``add_lead`` refuse: the one with the event
        id if there is one, else the e-mail's lead of the program."""
        conversion_id: uuid.UUID | None = await self.conn.fetchval(
            "SELECT conversion_id FROM leads WHERE org_id = $1 AND (external_event_id = $4 "
            "OR (program_id = $2 AND email = $3)) "
            "ORDER BY external_event_id = $4 DESC NULLS LAST LIMIT 1",
            org_id, program_id, email, external_event_id)
        return conversion_id
