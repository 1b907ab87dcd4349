"""The calling org's profile, from the org row the gateway owns: read by any caller, changed
by a dashboard Owner."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from libs.contracts.audit import AuditRecorded
from libs.contracts.common import Actor
from libs.contracts.orgs import PROFILE_CHANGED, OrgProfile, OrgProfilePatch
from libs.shared.clock import now_utc
from libs.shared.ids import new_id
from libs.shared.logging import request_id_var
from libs.shared.uow import Transaction, unit_of_work
from services.gateway.adapters.audit_repository import insert_audit
from services.gateway.adapters.orgs_repository import OrgsRepository
from services.gateway.domain.billing import limits_in_force
from services.gateway.domain.errors import OrgNotFound
from services.gateway.domain.org_profile import GRACE_DAYS_FIELD, profile_changes
from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.service_layer.org_settings import announce


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


async def update_profile(pool: asyncpg.Pool, org_id: uuid.UUID, patch: OrgProfilePatch,
                         actor: Actor) -> OrgProfile:
    """Audited as ``org.profile_changed`` with the changed keys before and after; a change of
    the grace days is announced to the services' copies (``org.settings_changed``). Sending
    the current values changes nothing: no audit row, no event."""
    async with unit_of_work(pool) as tx:
        row = await OrgsRepository(tx.conn).profile(org_id, for_update=True)
        if row is None:
            raise OrgNotFound("no such org")
        ceiling = limits_in_force(Tier(row["plan"]), SubscriptionStatus(
            row["subscription_status"])).payout_grace_days_max
        changes = profile_changes(dict(row), patch.changes(), grace_days_max=ceiling)
        if changes:
            await OrgsRepository(tx.conn).set_profile(org_id, changes)
            await _record(tx, org_id, actor, row, changes)
            if GRACE_DAYS_FIELD in changes:
                await announce(tx.conn, org_id)
    return await org_profile(pool, org_id)


async def _record(tx: Transaction, org_id: uuid.UUID, actor: Actor, before: asyncpg.Record,
                  changes: dict[str, Any]) -> None:
    # The gateway owns the audit log: its own rows are written directly, in this transaction.
    name = OrgProfilePatch.wire_name
    await insert_audit(tx.conn, AuditRecorded(
        id=new_id(), org_id=org_id, action=PROFILE_CHANGED, entity_type="org",
        entity_id=str(org_id), actor=actor, request_id=request_id_var.get(),
        before={name(k): before[k] for k in changes},
        after={name(k): v for k, v in changes.items()}, created_at=now_utc()))
