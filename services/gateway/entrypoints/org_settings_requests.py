"""The gateway answers ``org.settings_requested`` (a service met an org it has no copy of) by
announcing that org's settings again."""

from __future__ import annotations

import asyncpg

from libs.contracts.orgs import ORG_SETTINGS_REQUESTED, OrgSettingsRequested
from libs.shared.bus import Bus, Delivery
from services.gateway.service_layer.org_settings import on_request

QUEUE = "org-settings-requests"


async def subscribe_org_settings_requests(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_message(delivery: Delivery) -> None:
        await on_request(pool, OrgSettingsRequested.model_validate(delivery.body))

    await bus.subscribe(QUEUE, [ORG_SETTINGS_REQUESTED], on_message)
