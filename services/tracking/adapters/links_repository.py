"""SQL for the link index: the tracking side's read model of the ledger's affiliate links."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from libs.shared.db import Conn


class LinksRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def upsert(self, slugs: list[str], *, org_id: uuid.UUID, program_id: uuid.UUID,
                     affiliate_id: uuid.UUID, active: bool, event_at: datetime) -> None:
        """Apply one event's view of an affiliate's links; an older event never wins."""
        await self.conn.executemany(
            "INSERT INTO link_index (slug, org_id, program_id, affiliate_id, active, event_at) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO UPDATE SET "
            "org_id = EXCLUDED.org_id, program_id = EXCLUDED.program_id, "
            "affiliate_id = EXCLUDED.affiliate_id, active = EXCLUDED.active, "
            "event_at = EXCLUDED.event_at WHERE link_index.event_at <= EXCLUDED.event_at",
            [(s, org_id, program_id, affiliate_id, active, event_at) for s in slugs])

    async def retire_others(self, affiliate_id: uuid.UUID, keep: list[str],
                            event_at: datetime) -> None:
        """Links the affiliate no longer has stop resolving."""
        await self.conn.execute(
            "UPDATE link_index SET active = false, event_at = $3 WHERE affiliate_id = $1 "
            "AND NOT (slug = ANY($2::text[])) AND event_at <= $3", affiliate_id, keep, event_at)

    async def by_slug(self, slug: str) -> asyncpg.Record | None:
        return await self.conn.fetchrow(
            "SELECT slug, org_id, program_id, affiliate_id FROM link_index "
            "WHERE slug = $1 AND active", slug)
