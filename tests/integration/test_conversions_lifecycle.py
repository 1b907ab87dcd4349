"""The approval job against the real ledger schema: Pending until the grace days fixed at
booking have passed, then Approved with ``conversion.approved`` staged in the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from libs.contracts.attributed import AcceptedSale
from libs.shared.uow import unit_of_work
from services.ledger.conversions.service_layer.approval import approve_due
from services.ledger.conversions.service_layer.booking import book_sale
from tests.common.ledger_booking import Program, new_program, sale


async def book(pool: asyncpg.Pool, program: Program, grace_days: int) -> uuid.UUID:
    accepted = AcceptedSale.model_validate(sale(program, uuid.uuid4().hex,
                                                at=datetime.now(UTC), grace_days=grace_days))
    async with unit_of_work(pool) as tx:
        await book_sale(tx, accepted)
    return accepted.conversion_id


async def statuses(pool: asyncpg.Pool, ids: list[uuid.UUID]) -> list[str]:
    rows = await pool.fetch("SELECT id, status FROM conversions WHERE id = ANY($1)", ids)
    by_id = {r["id"]: r["status"] for r in rows}
    return [by_id[i] for i in ids]


async def test_pending_until_the_grace_days_pass(pool: asyncpg.Pool) -> None:
    program = await new_program(pool)
    now = datetime.now(UTC)
    due, later = await book(pool, program, 0), await book(pool, program, 30)
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
        "'conversion.approved' AND payload->>'orgId' = $1 AND payload->'data'->>"
        "'parentAffiliateConversionId' IS NULL", str(program.org_id))
    assert sorted(e["id"] for e in events) == sorted([str(due), str(later)])
