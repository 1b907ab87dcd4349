"""SQL for sub-affiliate recruiting: the per-program config, an affiliate's downline and what
the downline earned."""

from __future__ import annotations

import uuid

from libs.shared.db import Conn
from libs.shared.pagination import Cursor, keyset_sql
from services.ledger.affiliates.adapters.repository import COLUMNS, affiliate_from
from services.ledger.affiliates.domain.model import Affiliate
from services.ledger.metrics.domain.rollup import NOT_COUNTED
from services.ledger.sub_affiliates.domain.model import DaySum, SubAffiliateConfig

# Per recruit, UTC day and currency: the recruit's own commission rows (no override rows: one
# tier) and the recruiter's overrides whose parent sale is the recruit's; rows with a status
# in $3 (Refunded, Denied) left out. The day is the row's createdAt, as the rollups date it.
_DOWNLINE_SUMS = """
WITH recruits AS (
    SELECT id FROM affiliates
    WHERE org_id = $1 AND recruited_by_affiliate_id = $2 AND deleted_at IS NULL),
counted AS (
    SELECT c.affiliate_id AS recruit_id, c.created_at, c.currency,
           c.commission_cents AS own, 0::bigint AS override
    FROM conversions c JOIN recruits r ON r.id = c.affiliate_id
    WHERE c.org_id = $1 AND c.parent_affiliate_conversion_id IS NULL
      AND c.status <> ALL($3::text[])
    UNION ALL
    SELECT p.affiliate_id, o.created_at, o.currency, 0::bigint, o.commission_cents
    FROM conversions o
    JOIN conversions p ON p.id = o.parent_affiliate_conversion_id
    JOIN recruits r ON r.id = p.affiliate_id
    WHERE o.org_id = $1 AND o.affiliate_id = $2 AND o.status <> ALL($3::text[]))
SELECT recruit_id, (created_at AT TIME ZONE 'UTC')::date AS day, currency,
       sum(own)::bigint AS own, sum(override)::bigint AS override
FROM counted GROUP BY recruit_id, day, currency"""


class SubAffiliatesRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def config(self, org_id: uuid.UUID, program_id: uuid.UUID, *, lock: bool = False
                     ) -> tuple[SubAffiliateConfig, bool] | None:
        """The config and whether the program is archived; None outside the org."""
        row = await self.conn.fetchrow(
            "SELECT sub_affiliate_enabled, sub_affiliate_percent, archived_at IS NOT NULL "
            "AS archived FROM programs WHERE org_id = $1 AND id = $2"
            + (" FOR UPDATE" if lock else ""), org_id, program_id)
        if row is None:
            return None
        return (SubAffiliateConfig(row["sub_affiliate_enabled"], row["sub_affiliate_percent"]),
                row["archived"])

    async def save_config(self, org_id: uuid.UUID, program_id: uuid.UUID,
                          config: SubAffiliateConfig) -> None:
        await self.conn.execute(
            "UPDATE programs SET sub_affiliate_enabled = $3, sub_affiliate_percent = $4, "
            "updated_at = now() WHERE org_id = $1 AND id = $2", org_id, program_id,
            config.enabled, config.percent)

    async def recruits(self, org_id: uuid.UUID, recruiter_id: uuid.UUID) -> list[Affiliate]:
        rows = await self.conn.fetch(
            f"SELECT {', '.join(COLUMNS)} FROM affiliates WHERE org_id = $1 "
            "AND recruited_by_affiliate_id = $2 AND deleted_at IS NULL "
            "ORDER BY created_at, id", org_id, recruiter_id)
        return [affiliate_from(row) for row in rows]

    async def recruits_page(self, org_ids: list[uuid.UUID], recruiter_ids: list[uuid.UUID], *,
                            take: int, after: Cursor | None) -> list[Affiliate]:
        """``take + 1`` recruits of any of the (org id, recruiter id) pairs after the cursor,
        oldest first."""
        where = ["(org_id, recruited_by_affiliate_id) IN "
                 "(SELECT * FROM unnest($1::uuid[], $2::uuid[]))", "deleted_at IS NULL"]
        args: list[object] = [org_ids, recruiter_ids]
        rows = await self.conn.fetch(f"SELECT {', '.join(COLUMNS)} FROM affiliates"
                                     + keyset_sql(where, args, after, take), *args)
        return [affiliate_from(row) for row in rows]

    async def downline_sums(self, org_id: uuid.UUID, recruiter_id: uuid.UUID) -> list[DaySum]:
        rows = await self.conn.fetch(_DOWNLINE_SUMS, org_id, recruiter_id, sorted(NOT_COUNTED))
        return [DaySum(r["recruit_id"], r["day"], r["currency"], r["own"], r["override"])
                for r in rows]
