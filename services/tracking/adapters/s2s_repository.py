"""SQL for accepted S2S events and leads: the dedupe keys, what a renewal, a refund or an e-mail
match is attributed to, and the batch insert of one group commit."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from libs.shared.db import Conn

_INSERT_EVENTS = """
INSERT INTO s2s_events (org_id, external_event_id, kind, conversion_id, affiliate_id,
                        program_id, subscription_id, refund_of, accepted_at)
SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[], $6::uuid[],
                     $7::text[], $8::text[], $9::timestamptz[])
ON CONFLICT DO NOTHING
RETURNING org_id, external_event_id"""


class S2SRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def insert_events(self, rows: list[tuple[object, ...]]) -> set[tuple[uuid.UUID, str]]:
        """Insert accepted events; returns the (org, externalEventId) keys that were new."""
        columns = [list(column) for column in zip(*rows, strict=True)]
        inserted = await self.conn.fetch(_INSERT_EVENTS, *columns)
        return {(r["org_id"], r["external_event_id"]) for r in inserted}

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
