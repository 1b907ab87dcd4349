"""Events the gateway consumes: audit rows staged by every other service."""

from __future__ import annotations

import asyncpg

from libs.contracts.audit import AUDIT_ROUTING_KEY
from libs.shared.bus import Bus, Delivery
from services.gateway.entrypoints.org_settings_requests import subscribe_org_settings_requests
from services.gateway.service_layer.audit_log import record_audit


async def subscribe_all(bus: Bus, pool: asyncpg.Pool) -> None:
    async def on_audit(delivery: Delivery) -> None:
        await record_audit(pool, delivery)

    await bus.subscribe("audit", [AUDIT_ROUTING_KEY], on_audit)
    await subscribe_org_settings_requests(bus, pool)  # a copy of an org's settings is missing
