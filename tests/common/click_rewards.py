"""Click buckets for the ledger's click-reward booking: a CPC (or other) program with one
affiliate, the ``clicks.aggregated`` event tracking would send for it, and what got booked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from libs.contracts.affiliates import CreateAffiliate
from libs.contracts.click_rewards import ClicksAggregated
from libs.contracts.programs import CreateProgram
from services.ledger.affiliates.service_layer.handlers import create_affiliate
from services.ledger.programs.service_layer.handlers import create_program
from tests.common.ledger_booking import ACTOR

NOW = datetime(2026, 5, 10, 12, tzinfo=UTC)


async def bucket(pool: asyncpg.Pool, org_id: uuid.UUID, clicks: int, *, model: str = "Cpc",
                 **custom: Any) -> ClicksAggregated:
    program = await create_program(pool, CreateProgram.model_validate({
        "orgId": org_id, "actor": ACTOR, "data": {
            "name": f"P {uuid.uuid4().hex[:8]}", "defaultCommissionType": "Fixed",
            "defaultCommissionValue": 0.25, "defaultCommissionModel": model}}))
    affiliate = await create_affiliate(pool, CreateAffiliate.model_validate({
        "orgId": org_id, "actor": ACTOR, "data": {
            "programId": program.id, "email": f"a-{uuid.uuid4().hex[:8]}@example.com",
            **custom}}))
    return ClicksAggregated(org_id=org_id, program_id=program.id,
                            affiliate_id=affiliate.id, bucket_id=uuid.uuid4(),
                            bucket_start=NOW, bucket_end=NOW + timedelta(hours=1),
                            clicks=clicks)


async def booked(pool: asyncpg.Pool, event: ClicksAggregated) -> list[asyncpg.Record]:
    return list(await pool.fetch(
        "SELECT c.*, (SELECT count(*) FROM conversion_events e WHERE e.conversion_id = c.id "
        "AND e.event_type = 'initial') AS timeline, (SELECT count(*) FROM outbox o WHERE "
        "o.routing_key = 'conversion.created' AND o.payload->'data'->>'id' = c.id::text) "
        "AS announced FROM conversions c WHERE c.affiliate_id = $1", event.affiliate_id))
