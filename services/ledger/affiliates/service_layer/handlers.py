"""Affiliate use cases for the brand (API keys): each is one unit of work, with its domain
events and audit row staged in the same transaction; a ban denies the affiliate's unpaid
commission in that transaction too."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

import asyncpg

from libs.contracts import affiliates as contract
from libs.contracts.affiliates import AffiliateList, AffiliateResponse
from libs.contracts.affiliates import AffiliateStatus as S
from libs.contracts.common import Actor, as_json
from libs.shared.clock import now_utc
from libs.shared.ids import new_id
from libs.shared.pagination import decode_cursor, page_of
from libs.shared.uow import Transaction, unit_of_work
from services.ledger.affiliates.adapters.repository import AffiliatesRepository, cursor_of
from services.ledger.affiliates.domain import model as domain
from services.ledger.affiliates.service_layer.links import add_default_link
from services.ledger.affiliates.service_layer.seats import ensure_seats
from services.ledger.conversions.service_layer.denials import deny_unpaid
from services.ledger.domain.errors import AffiliateNotFound
from services.ledger.programs.service_layer.handlers import live_program

STATUS_EVENTS = {S.Approved: "affiliate.approved", S.Rejected: "affiliate.rejected"}


async def locked(repo: AffiliatesRepository, org_id: uuid.UUID, affiliate_id: uuid.UUID
                 ) -> domain.Affiliate:
    affiliate = await repo.get(org_id, affiliate_id, lock=True)
    if affiliate is None:
        raise AffiliateNotFound("affiliate not found")
    return affiliate


async def record_change(tx: Transaction, actor: Actor, before: domain.Affiliate | None,
                        after: domain.Affiliate, *, action: str, now: datetime) -> None:
    """Audit row plus the webhook-bearing events that the change implies; an event's data is
    the affiliate as the REST API returns it."""
    reply = domain.to_response(after)
    await tx.audit(org_id=after.org_id, actor=actor, action=action, entity_type="affiliate",
                   entity_id=str(after.id),
                   before=domain.to_response(before) if before else None, after=reply,
                   created_at=now)
    shape = as_json(reply)
    if before is None:
        await tx.emit("affiliate.created", org_id=after.org_id, data=shape, created_at=now)
    elif before.status == after.status or after.status not in STATUS_EVENTS:
        await tx.emit("affiliate.updated", org_id=after.org_id, data=shape, created_at=now)
    if after.status in STATUS_EVENTS and (before is None or before.status != after.status):
        await tx.emit(STATUS_EVENTS[S(after.status)], org_id=after.org_id, data=shape,
                      created_at=now)


async def apply_change(tx: Transaction, repo: AffiliatesRepository, actor: Actor,
                       before: domain.Affiliate, after: domain.Affiliate, *, action: str,
                       now: datetime) -> None:
    """Store a change of an existing affiliate with its audit row and events. An approval
    needs a free seat (``seats``); a ban also denies the affiliate's unpaid commission, in the
    same transaction (``denials``)."""
    if domain.takes_seat(before, after):
        await ensure_seats(tx.conn, after.org_id, after.program_id)
    await repo.save(after)
    await record_change(tx, actor, before, after, action=action, now=now)
    if after.status == S.Banned and before.status != S.Banned:
        await deny_unpaid(tx, after, at=now)


async def get_affiliate(pool: asyncpg.Pool, cmd: contract.GetAffiliate) -> AffiliateResponse:
    async with pool.acquire() as conn:
        affiliate = await AffiliatesRepository(conn).get(cmd.org_id, cmd.affiliate_id)
    if affiliate is None:
        raise AffiliateNotFound("affiliate not found")
    return domain.to_response(affiliate, for_dashboard=cmd.for_dashboard)


async def list_affiliates(pool: asyncpg.Pool, cmd: contract.ListAffiliates) -> AffiliateList:
    async with pool.acquire() as conn:
        rows = await AffiliatesRepository(conn).page(
            cmd.org_id, take=cmd.take, after=decode_cursor(cmd.cursor),
            program_id=cmd.program_id, status=cmd.status.value if cmd.status else None,
            q=cmd.q)
    items, next_cursor, has_more = page_of(rows, cmd.take, cursor_of)
    return AffiliateList(items=[domain.to_response(a, for_dashboard=cmd.for_dashboard)
                                for a in items], next_cursor=next_cursor, has_more=has_more)


async def list_applications(pool: asyncpg.Pool, cmd: contract.ListAffiliates
                            ) -> AffiliateList:
    return await list_affiliates(pool, cmd.model_copy(update={"status": S.Pending}))


async def create_affiliate(pool: asyncpg.Pool, cmd: contract.CreateAffiliate
                           ) -> AffiliateResponse:
    now, data = now_utc(), cmd.data
    affiliate = domain.Affiliate(
        id=new_id(), org_id=cmd.org_id, program_id=data.program_id,
        email=domain.normalize_email(data.email), full_name=data.full_name,
        status=data.status.value,
        custom_commission_type=data.custom_commission_type.value
        if data.custom_commission_type else None,
        custom_commission_value=data.custom_commission_value, tags=[], notes=None,
        source="Direct", application_data=None, rejection_reason=None,
        recruited_by_affiliate_id=None, applied_at=None,
        approved_at=now if data.status == S.Approved else None, created_at=now,
        updated_at=now)
    async with unit_of_work(pool) as tx:
        await live_program(tx.conn, cmd.org_id, data.program_id)
        if domain.takes_seat(None, affiliate):
            await ensure_seats(tx.conn, cmd.org_id, data.program_id)
        repo = AffiliatesRepository(tx.conn)
        await repo.add(affiliate)
        link = await add_default_link(repo, affiliate, alias=data.custom_alias, now=now)
        affiliate = dataclasses.replace(affiliate, links=[link])
        await record_change(tx, cmd.actor, None, affiliate, action="affiliate.created", now=now)
    return domain.to_response(affiliate)


async def _change(pool: asyncpg.Pool, org_id: uuid.UUID, affiliate_id: uuid.UUID, actor: Actor,
                  action: str, change: Any) -> AffiliateResponse:
    now = now_utc()
    async with unit_of_work(pool) as tx:
        repo = AffiliatesRepository(tx.conn)
        current = await locked(repo, org_id, affiliate_id)
        updated = change(current, now)
        if updated is not current:
            await apply_change(tx, repo, actor, current, updated, action=action, now=now)
    return domain.to_response(updated)


async def update_affiliate(pool: asyncpg.Pool, cmd: contract.UpdateAffiliate
                           ) -> AffiliateResponse:
    changes = cmd.data.changes()
    for key in ("custom_commission_type",):
        if changes.get(key) is not None:
            changes[key] = changes[key].value
    return await _change(pool, cmd.org_id, cmd.affiliate_id, cmd.actor, "affiliate.updated",
                         lambda a, now: domain.apply_patch(a, changes, now=now))


async def approve_affiliate(pool: asyncpg.Pool, cmd: contract.ApproveAffiliate
                            ) -> AffiliateResponse:
    return await _change(pool, cmd.org_id, cmd.affiliate_id, cmd.actor, "affiliate.approved",
                         lambda a, now: domain.move(a, S.Approved, now=now))


async def reject_affiliate(pool: asyncpg.Pool, cmd: contract.RejectAffiliate
                           ) -> AffiliateResponse:
    reason = cmd.data.reason
    return await _change(pool, cmd.org_id, cmd.affiliate_id, cmd.actor, "affiliate.rejected",
                         lambda a, now: domain.move(a, S.Rejected, now=now, reason=reason))
