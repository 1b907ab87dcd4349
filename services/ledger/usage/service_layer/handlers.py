"""``usage.counts``: what the org uses of its plan, for the gateway's billing state."""

from __future__ import annotations

import asyncpg

from libs.contracts.billing import OrgUsage, OrgUsageQuery
from services.ledger.usage.adapters.repository import usage


async def org_usage(pool: asyncpg.Pool, cmd: OrgUsageQuery) -> OrgUsage:
    async with pool.acquire() as conn:
        row = await usage(conn, cmd.org_id)
    return OrgUsage(affiliates=row["affiliates"], campaigns=row["campaigns"])
