"""The approval job against the real ledger schema: Pending until the grace days fixed at
booking have passed, then Approved with ``conversion.approved`` staged in the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from libs.contracts.s2s import RecordSale
from services.ledger.service_layer.lifecycle import approve_due
from services.ledger.service_layer.s2s import record_sale
from tests.integration.test_s2s_booking import new_slug, pool, sale_payload

__all__ = ["pool"]


async def book(pool: asyncpg.Pool, org_id: uuid.UUID, slug: str, grace_days: int) -> uuid.UUID:
    payload = {**sale_payload(org_id, slug, uuid.uuid4().hex), "payoutGraceDays": grace_days}
    made = await record_sale(pool, RecordSale.model_validate(payload))
    return uuid.UUID(made["conversionId"])


async def statuses(pool: asyncpg.Pool, ids: list[uuid.UUID]) -> list[str]:
    rows = await pool.fetch("SELECT id, status FROM conversions WHERE id = ANY($1)", ids)
    by_id = {r["id"]: r["status"] for r in rows}
    return [by_id[i] for i in ids]


async def test_pending_until_the_grace_days_pass(pool: asyncpg.Pool) -> None:
    org_id, slug = await new_slug(pool)
    now = datetime.now(UTC)
    due, later = await book(pool, org_id, slug, 0), await book(pool, org_id, slug, 30)
    while await approve_due(pool, now=now + timedelta(seconds=1), batch=1000) == 1000:
        pass
    assert await statuses(pool, [due, later]) == ["Approved", "Pending"]
    while await approve_due(pool, now=now + timedelta(days=29), batch=1000) == 1000:
        pass
    assert await statuses(pool, [due, later]) == ["Approved", "Pending"]
    while await approve_due(pool, now=now + timedelta(days=30, seconds=1), batch=1000) == 1000:
        pass
    assert await statuses(pool, [due, later]) == ["Approved", "Approved"]
    events = await pool.fetch(
        "SELECT payload->'data'->>'id' AS id FROM outbox WHERE routing_key = "
        "'conversion.approved' AND payload->>'orgId' = $1", str(org_id))
    assert sorted(e["id"] for e in events) == sorted([str(due), str(later)])
