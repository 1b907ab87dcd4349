"""The consumer of ``org.settings_changed`` (its own queue): the ledger's copy of each org's home
currency and payout grace days, one transaction per burst. A body that does not validate fails
its burst; the bus retries each message alone and dead-letters the bad one."""

from __future__ import annotations

import asyncpg

from libs.contracts.orgs import ORG_SETTINGS_CHANGED, OrgSettings
from libs.shared.bus import Bus, Delivery
from libs.shared.clock import now_utc
from services.ledger.org_settings.service_layer.handlers import apply_org_settings

QUEUE = "org-settings"


async def subscribe_org_settings(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_settings(deliveries: list[Delivery]) -> None:
        events = [OrgSettings.model_validate(d.body) for d in deliveries]
        await apply_org_settings(pool, events, now=now_utc())

    await bus.subscribe_batch(QUEUE, [ORG_SETTINGS_CHANGED], on_settings)
