"""SQL for the ledger's copy of each org's settings (``org_settings``, kept from the gateway's
``org.settings_changed`` events)."""

from __future__ import annotations

import uuid

from libs.contracts.orgs import OrgSettings
from libs.shared.db import Conn

# The version check makes the copy order-proof: an event as old as the copy or older (a
# redelivery, a re-announcement, a message overtaken by a later one) changes nothing.
_STORE = (
    "INSERT INTO org_settings (org_id, home_currency, payout_grace_days, updated_at) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (org_id) DO UPDATE SET "
    "home_currency = EXCLUDED.home_currency, payout_grace_days = EXCLUDED.payout_grace_days, "
    "updated_at = EXCLUDED.updated_at WHERE org_settings.updated_at < EXCLUDED.updated_at "
    "RETURNING true")


async def lock_org_settings(conn: Conn, org_id: uuid.UUID) -> None:
    """Serialise, until commit, storing an org's copy with parking a bucket for want of it, so
    a bucket parked just as the copy arrives is never left behind."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                       f"{org_id}:org_settings")


async def store_org_settings(conn: Conn, settings: OrgSettings) -> bool:
    """True when the copy was created or moved forward."""
    return bool(await conn.fetchval(
        _STORE, settings.org_id, settings.home_currency, settings.payout_grace_days,
        settings.changed_at))
