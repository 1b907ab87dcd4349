"""The calling org's profile, from the org row the gateway owns."""

from __future__ import annotations

import uuid

import asyncpg

from libs.contracts.orgs import OrgProfile
from services.gateway.adapters.orgs_repository import OrgsRepository
from services.gateway.domain.billing import limits_in_force
from services.gateway.domain.errors import OrgNotFound
from services.gateway.domain.plans import SubscriptionStatus, Tier


async def profile_row(pool: asyncpg.Pool, org_id: uuid.UUID) -> asyncpg.Record:
    async with pool.acquire() as conn:
        row = await OrgsRepository(conn).profile(org_id)
    if row is None:
        raise OrgNotFound("no such org")
    return row


async def org_profile(pool: asyncpg.Pool, org_id: uuid.UUID) -> OrgProfile:
    row = await profile_row(pool, org_id)
    limits = limits_in_force(Tier(row["plan"]), SubscriptionStatus(row["subscription_status"]))
    return OrgProfile(
        id=row["id"], name=row["name"], slug=row["handle"], billing_email=row["billing_email"],
        timezone=row["timezone"], primary_brand_color=row["primary_brand_color"],
        logo_url=row["logo_url"], description=row["description"],
        white_label_enabled=row["white_label_enabled"], plan_tier=row["plan"],
        subscription_status=row["subscription_status"], trial_ends_at=row["trial_ends_at"],
        payout_grace_days=row["payout_grace_days"],
        payout_grace_days_max=limits.payout_grace_days_max)
