"""SQL for booking click rewards: the clicked affiliate's terms and its org's booking settings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from libs.shared.db import Conn
from services.ledger.adapters.s2s_repository import target_from
from services.ledger.domain.s2s import Target

# Soft-deleted affiliates included: tracking counted the clicks while the link was live, so they
# are owed. No recruiter: click rewards carry no sub-affiliate override.
_TARGET = (
    "SELECT a.id AS affiliate_id, a.org_id, a.program_id, a.custom_commission_type, "
    "a.custom_commission_value, NULL::uuid AS recruiter_id, p.default_commission_type, "
    "p.default_commission_value, p.default_commission_model, p.sub_affiliate_enabled, "
    "p.sub_affiliate_percent FROM affiliates a JOIN programs p ON p.id = a.program_id "
    "WHERE a.org_id = $1 AND a.id = $2 AND a.program_id = $3")

# The org's home currency and payout grace days live in the gateway's ``orgs`` row, and no event
# carries them to the ledger (the gateway announces currency changes, not the value an org was
# created with, and never its grace days). A click reward has no request to bring them, so this
# one read-only query crosses into the gateway's schema; replace it with a ledger read model
# once the gateway publishes org settings.
_ORG = "SELECT home_currency, payout_grace_days FROM gateway.orgs WHERE id = $1"


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
