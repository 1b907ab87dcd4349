"""Leads: a free identified signup, booked as a LeadReward conversion (0/0 on CPS programs, the
program's value on CPL programs) plus the e-mail link a later sale is matched against.

A lead without an externalEventId is keyed ``lead:<programId>:<email>``, so one e-mail makes
one lead per program however often the browser or the brand repeats it."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from libs.contracts.common import Actor
from libs.contracts.s2s import OrgOfSlug, RecordLead, RecordSignup
from libs.shared.ids import new_id
from libs.shared.uow import Transaction, unit_of_work
from services.ledger.adapters.conversions_repository import ConversionsRepository
from services.ledger.adapters.s2s_repository import S2SRepository
from services.ledger.domain import conversions as domain
from services.ledger.domain import s2s
from services.ledger.service_layer.s2s import book, now_utc, resolve


async def _record(pool: asyncpg.Pool, org_id: uuid.UUID, slug: str, email: str,
                  external_event_id: str | None, currency: str, actor: Actor | None,
                  grace_days: int, program_id: str | None = None) -> dict[str, Any]:
    now, email = now_utc(), email.strip().lower()
    async with unit_of_work(pool) as tx:
        target = await resolve(tx, org_id, slug)
        if program_id is not None and program_id != str(target.program_id):
            return {"ok": True, "recorded": False}
        event_id = external_event_id or f"lead:{target.program_id}:{email}"
        lead = s2s.lead_conversion(target, email=email, external_event_id=event_id,
                                   currency=currency, conversion_id=new_id(), now=now,
                                   grace_days=grace_days)
        if not await book_lead_row(tx, target, lead, email, actor):
            return {"ok": True, "deduped": True}
    return {"ok": True, "conversionId": str(lead.id)}


async def book_lead_row(tx: Transaction, target: s2s.Target, lead: domain.Conversion,
                        email: str, actor: Actor | None) -> bool:
    """Insert a LeadReward row, the e-mail a later sale is matched against, and its events;
    False (nothing written) when the lead's key is already booked."""
    if not await ConversionsRepository(tx.conn).add(lead):
        return False
    await S2SRepository(tx.conn).link_lead(target, email, lead.id, lead.created_at)
    await book(tx, lead, actor)
    await tx.emit("lead.created", org_id=lead.org_id, created_at=lead.created_at,
                  data={**domain.to_response(lead), "email": email})
    return True


async def record_lead(pool: asyncpg.Pool, cmd: RecordLead) -> dict[str, Any]:
    return await _record(pool, cmd.org_id, cmd.data.affiliate_slug, cmd.data.email,
                         cmd.data.external_event_id, cmd.home_currency, cmd.actor,
                         cmd.payout_grace_days)


async def org_of_slug(pool: asyncpg.Pool, cmd: OrgOfSlug) -> dict[str, Any]:
    async with pool.acquire() as conn:
        target = await S2SRepository(conn).target(None, cmd.slug.strip().lower())
    return {"orgId": str(target.org_id) if target else None}


async def record_signup(pool: asyncpg.Pool, cmd: RecordSignup) -> dict[str, Any]:
    return await _record(pool, cmd.org_id, cmd.data.slug, cmd.data.email, None,
                         cmd.home_currency, cmd.actor, cmd.payout_grace_days,
                         program_id=cmd.data.program_id)
