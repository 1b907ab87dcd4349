"""Booking in the ledger, driven by its service functions on the real database: a program
with a recruited affiliate, the sale and refund events tracking would send, and what got
booked."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from libs.contracts.affiliates import CreateAffiliate
from libs.contracts.attributed import AcceptedSale
from libs.contracts.programs import CreateProgram
from libs.shared.uow import unit_of_work
from services.ledger.affiliates.service_layer.handlers import create_affiliate
from services.ledger.conversions.service_layer.booking import Accepted, book_accepted
from services.ledger.fx.domain.model import DayRate
from services.ledger.fx.service_layer.handlers import load_rates
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


def sale_on(p: Program, event_id: str, day: date, currency: str = "USD", amount: int = 10000,
            *, affiliate_id: uuid.UUID | None = None, minute: int = 0) -> AcceptedSale:
    """A sale of ``p``'s affiliate (or ``affiliate_id``) at noon (and ``minute``) of ``day``."""
    at = datetime(day.year, day.month, day.day, 12, minute, tzinfo=UTC)
    return AcceptedSale.model_validate({
        **sale(p, event_id, at=at), "currency": currency, "amountCents": amount,
        "affiliateId": str(affiliate_id or p.affiliate_id)})


async def book(pool: asyncpg.Pool, *events: Accepted) -> None:
    """Book accepted sales and refunds in one transaction."""
    async with unit_of_work(pool) as tx:
        for event in events:
            await book_accepted(tx, event)


async def usd_per_eur(pool: asyncpg.Pool, rates: dict[date, str]) -> None:
    """What 1 EUR buys in USD on each of ``rates``' days, and no other rate in the week
    around them (each module keeps days of its own, in a year no other test uses)."""
    await pool.execute("DELETE FROM fx_rates WHERE day BETWEEN $1 AND $2",
                       min(rates) - timedelta(days=7), max(rates) + timedelta(days=7))
    await load_rates(pool, [DayRate(day, "USD", Decimal(rate), "ecb")
                            for day, rate in rates.items()])


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
