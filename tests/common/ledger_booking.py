"""Booking in the ledger, driven by its service functions on the real database: a program
with a recruited affiliate, the sale and refund events tracking would send, and what got
booked."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from libs.contracts.affiliates import CreateAffiliate
from libs.contracts.programs import CreateProgram
from services.ledger.affiliates.service_layer.handlers import create_affiliate
from services.ledger.programs.service_layer.handlers import create_program

ACTOR = {"type": "api_key", "keyId": str(uuid.uuid4())}

T0 = datetime(2026, 5, 10, 16, tzinfo=UTC)


@dataclass
class Program:
    org_id: uuid.UUID
    program_id: uuid.UUID
    affiliate_id: uuid.UUID  # recruited by ``recruiter_id``; 20% of a sale, the recruiter 10%
    recruiter_id: uuid.UUID


async def new_program(pool: asyncpg.Pool, recurring_months: int | None = None) -> Program:
    org_id = uuid.uuid4()
    program = await create_program(pool, CreateProgram.model_validate({
        "orgId": org_id, "actor": ACTOR, "data": {
            "name": f"P {uuid.uuid4().hex[:8]}", "defaultCommissionType": "Percentage",
            "defaultCommissionValue": 20, "recurringMonths": recurring_months}}))
    ids = []
    for _ in range(2):
        made = await create_affiliate(pool, CreateAffiliate.model_validate({
            "orgId": org_id, "actor": ACTOR, "data": {
                "programId": program.id, "email": f"a-{uuid.uuid4().hex[:8]}@example.com"}}))
        ids.append(made.id)
    await pool.execute("UPDATE affiliates SET recruited_by_affiliate_id = $2 WHERE id = $1", *ids)
    await pool.execute("UPDATE programs SET sub_affiliate_enabled = true, "
                       "sub_affiliate_percent = 10 WHERE id = $1", program.id)
    return Program(org_id, program.id, ids[0], ids[1])


def sale(p: Program, event_id: str, *, subscription: str | None = None,
         at: datetime = T0, grace_days: int = 30) -> dict[str, Any]:
    return {"orgId": str(p.org_id), "conversionId": str(uuid.uuid4()),
            "externalEventId": event_id, "affiliateId": str(p.affiliate_id),
            "programId": str(p.program_id), "amountCents": 9900, "currency": "USD",
            "subscriptionId": subscription,
            "attributionMethod": "subscription" if subscription else None,
            "payoutGraceDays": grace_days, "occurredAt": at.isoformat()}


def refund(p: Program, sale_event_id: str, at: datetime = T0) -> dict[str, Any]:
    return {"orgId": str(p.org_id), "externalEventId": f"re_{sale_event_id}",
            "saleExternalEventId": sale_event_id, "occurredAt": at.isoformat()}


async def rows(pool: asyncpg.Pool, org_id: uuid.UUID) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT id, affiliate_id, external_event_id, type, status, commission_cents, "
        "refunded_at, parent_affiliate_conversion_id AS parent FROM conversions "
        "WHERE org_id = $1 ORDER BY created_at, parent NULLS FIRST", org_id)


async def emitted(pool: asyncpg.Pool, org_id: uuid.UUID, routing_key: str) -> list[str]:
    found = await pool.fetch(
        "SELECT payload->'data'->>'id' AS id FROM outbox WHERE routing_key = $2 "
        "AND payload->>'orgId' = $1 ORDER BY created_at", str(org_id), routing_key)
    return sorted(r["id"] for r in found)


async def another(pool: asyncpg.Pool, p: Program, *, status: str,
                  recruited_by: uuid.UUID | None) -> uuid.UUID:
    """One more affiliate of ``p``'s program, put in ``status`` directly (this tests booking,
    not the ban's own denials)."""
    made = await create_affiliate(pool, CreateAffiliate.model_validate({
        "orgId": p.org_id, "actor": ACTOR, "data": {
            "programId": p.program_id, "email": f"b-{uuid.uuid4().hex[:8]}@example.com"}}))
    await pool.execute("UPDATE affiliates SET status = $2, recruited_by_affiliate_id = $3 "
                       "WHERE id = $1", made.id, status, recruited_by)
    return made.id
