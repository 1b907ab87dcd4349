"""SQL for the public storefront: programs found by id, slug or verified domain without a
caller's org, and the recruiter an application names."""

from __future__ import annotations

import dataclasses
import uuid

import asyncpg

from libs.shared.db import Conn
from services.ledger.affiliates.adapters.repository import COLUMNS as AFFILIATE_COLUMNS
from services.ledger.affiliates.adapters.repository import affiliate_from
from services.ledger.affiliates.domain.model import Affiliate
from services.ledger.programs.domain.model import Program

_COLUMNS = ", ".join(f.name for f in dataclasses.fields(Program))
_LIVE = f"SELECT {_COLUMNS} FROM programs WHERE archived_at IS NULL AND is_active"


def _program(row: asyncpg.Record | None) -> Program | None:
    return Program(**dict(row)) if row else None


class StorefrontRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def program(self, program_id: uuid.UUID) -> Program | None:
        """Any org's program by its id (the apply path is keyed on it)."""
        row = await self.conn.fetchrow(
            f"SELECT {_COLUMNS} FROM programs WHERE id = $1", program_id)
        return _program(row)

    async def primary(self, org_id: uuid.UUID) -> Program | None:
        return _program(await self.conn.fetchrow(
            f"{_LIVE} AND org_id = $1 ORDER BY created_at, id LIMIT 1", org_id))

    async def by_slug(self, org_id: uuid.UUID, slug: str) -> Program | None:
        return _program(await self.conn.fetchrow(
            f"{_LIVE} AND org_id = $1 AND slug = $2", org_id, slug))

    async def by_domain(self, host: str) -> Program | None:
        return _program(await self.conn.fetchrow(
            f"{_LIVE} AND custom_domain_verified AND custom_domain = $1 "
            "ORDER BY created_at, id LIMIT 1", host))

    async def affiliate(self, affiliate_id: uuid.UUID) -> Affiliate | None:
        row = await self.conn.fetchrow(
            f"SELECT {', '.join(AFFILIATE_COLUMNS)} FROM affiliates WHERE id = $1",
            affiliate_id)
        return affiliate_from(row) if row else None
