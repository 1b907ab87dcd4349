"""Keeping the ledger's copy of org settings: a burst of ``org.settings_changed`` events in one
transaction. Each org's copy only moves forward (its ``changedAt``), so redeliveries, repeated
announcements and events overtaken by later ones change nothing. The transaction that stores an
org's copy also books the click buckets parked for want of it."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from libs.contracts.orgs import OrgSettings
from libs.shared.uow import unit_of_work
from services.ledger.click_rewards.adapters.repository import OrgBooking
from services.ledger.click_rewards.service_layer.handlers import book_parked
from services.ledger.org_settings.adapters.repository import (
    lock_org_settings,
    store_org_settings,
)
from services.ledger.org_settings.domain.model import latest_per_org


async def apply_org_settings(pool: asyncpg.Pool, events: list[OrgSettings], *, now: datetime
                             ) -> None:
    async with unit_of_work(pool) as tx:
        for settings in latest_per_org(events):
            await lock_org_settings(tx.conn, settings.org_id)
            if await store_org_settings(tx.conn, settings):
                org = OrgBooking(settings.home_currency, settings.payout_grace_days)
                await book_parked(tx, settings.org_id, org, now=now)
