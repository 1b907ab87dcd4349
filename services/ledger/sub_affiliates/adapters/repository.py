"""SQL for sub-affiliate recruiting: the per-program config and an affiliate's downline."""

from __future__ import annotations

import uuid

from libs.shared.db import Conn
from services.ledger.affiliates.adapters.repository import COLUMNS, affiliate_from
from services.ledger.affiliates.domain.model import Affiliate
from services.ledger.sub_affiliates.domain.model import SubAffiliateConfig


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
