"""SQL for booking click rewards: the clicked affiliate's terms, its org's booking settings, and
the buckets parked until those settings arrive."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from libs.contracts.click_rewards import ClicksAggregated
from libs.shared.db import Conn
from services.ledger.conversions.adapters.targets import target_from
from services.ledger.conversions.domain.booking import Target

# Soft-deleted affiliates included: tracking counted the clicks while the link was live, so they
# are owed (Denied if the affiliate is Banned). No recruiter: click rewards carry no
# sub-affiliate override.
_TARGET = (
    "SELECT a.id AS affiliate_id, a.org_id, a.program_id, a.custom_commission_type, "
    "a.custom_commission_value, a.status AS affiliate_status, NULL::uuid AS recruiter_id, "
    "NULL::text AS recruiter_status, p.default_commission_type, "
    "p.default_commission_value, p.default_commission_model, p.sub_affiliate_enabled, "
    "p.sub_affiliate_percent, p.commission_includes_tax "
    "FROM affiliates a JOIN programs p ON p.id = a.program_id "
    "WHERE a.org_id = $1 AND a.id = $2 AND a.program_id = $3")

# The ledger's own copy of the org's settings (the gateway owns orgs and announces them).
_ORG = "SELECT home_currency, payout_grace_days FROM org_settings WHERE org_id = $1"
_PARK = ("INSERT INTO parked_click_buckets (bucket_id, org_id, body, parked_at) "
         "VALUES ($1, $2, $3, $4) ON CONFLICT (bucket_id) DO NOTHING")


@dataclass(frozen=True, slots=True)
class OrgBooking:
    currency: str
    grace_days: int


class ClickRewardsRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def target(self, org_id: uuid.UUID, affiliate_id: uuid.UUID,
                     program_id: uuid.UUID) -> Target | None:
        row = await self.conn.fetchrow(_TARGET, org_id, affiliate_id, program_id)
        return target_from(row) if row else None

    async def org(self, org_id: uuid.UUID) -> OrgBooking | None:
        row = await self.conn.fetchrow(_ORG, org_id)
        return OrgBooking(row["home_currency"], row["payout_grace_days"]) if row else None

    async def park(self, event: ClicksAggregated, at: datetime) -> None:
        """Keep the bucket until its org's settings arrive (a redelivered copy is kept once)."""
        await self.conn.execute(_PARK, event.bucket_id, event.org_id,
                                event.model_dump(mode="json", by_alias=True), at)

    async def parked(self, org_id: uuid.UUID) -> list[ClicksAggregated]:
        rows = await self.conn.fetch(
            "SELECT body FROM parked_click_buckets WHERE org_id = $1 ORDER BY parked_at "
            "FOR UPDATE", org_id)
        return [ClicksAggregated.model_validate(r["body"]) for r in rows]

    async def unpark(self, bucket_id: uuid.UUID) -> None:
        await self.conn.execute("DELETE FROM parked_click_buckets WHERE bucket_id = $1",
                                bucket_id)
