"""Announcing an org's settings (``org.settings_changed``) to the services that keep a copy.

``announce`` runs inside the transaction of every change to the org row (create, plan, home
currency), after the change, so the event leaves exactly when the change commits and carries the
row as committed. ``announce_all`` re-announces every org (``rekomi admin
publish-org-settings``, for a copy restored from a backup); copies ignore what they have already.
``on_request`` answers a service that met an org it has no copy of."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

from libs.contracts.orgs import ORG_SETTINGS_CHANGED, OrgSettings, OrgSettingsRequested
from libs.shared.db import Conn
from libs.shared.ids import new_id
from libs.shared.outbox import add_event, add_events_json
from services.gateway.adapters.orgs_repository import OrgsRepository

PAGE = 500  # orgs per transaction when announcing all of them


def settings_of(row: asyncpg.Record) -> OrgSettings:
    return OrgSettings(org_id=row["id"], home_currency=row["home_currency"],
                       payout_grace_days=row["payout_grace_days"], plan_tier=row["plan"],
                       subscription_status=row["subscription_status"],
                       changed_at=row["updated_at"])


async def announce(conn: Conn, org_id: uuid.UUID) -> None:
    """Stage the org's current settings; call in the transaction that changed them."""
    row = await OrgsRepository(conn).settings(org_id)
    if row is not None:
        await add_event(conn, ORG_SETTINGS_CHANGED,
                        settings_of(row).model_dump(mode="json", by_alias=True))


async def announce_all(conn: Conn) -> int:
    """Stage every org's settings, a page per transaction; returns how many."""
    after: uuid.UUID | None = None
    count = 0
    while True:
        async with conn.transaction():
            rows = await OrgsRepository(conn).settings_page(after, PAGE)
            await add_events_json(conn, [
                (new_id(), ORG_SETTINGS_CHANGED, settings_of(r).model_dump_json(by_alias=True))
                for r in rows], now=datetime.now(UTC))
        count += len(rows)
        if len(rows) < PAGE:
            return count
        after = rows[-1]["id"]


async def on_request(pool: asyncpg.Pool, request: OrgSettingsRequested) -> None:
    """Announce one org again (an unknown org is ignored: there is nothing to copy)."""
    async with pool.acquire() as conn, conn.transaction():
        await announce(conn, request.org_id)
