"""``bulk-action``: approve, pause or delete up to 200 affiliates in one unit of work. Ids of
other orgs, and affiliates whose status does not allow the action, are silently not affected.
Approvals that would overfill a program's ``maxAffiliates`` refuse the whole batch (409
``program_at_capacity``): all or nothing, like the rest of the unit of work."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

import asyncpg

from libs.contracts import affiliates as contract
from libs.contracts.affiliates import AffiliateStatus as S
from libs.contracts.affiliates import BulkAction, BulkActionResult
from libs.contracts.common import as_json
from libs.shared.clock import now_utc
from libs.shared.uow import unit_of_work
from services.ledger.affiliates.adapters.repository import AffiliatesRepository
from services.ledger.affiliates.domain import model as domain
from services.ledger.affiliates.service_layer.handlers import apply_change
from services.ledger.affiliates.service_layer.seats import lock_programs
from services.ledger.coupon_codes.adapters.repository import CouponCodesRepository
from services.ledger.coupon_codes.service_layer.handlers import record_removal

Change = Callable[[domain.Affiliate, datetime], domain.Affiliate | None]


def _to(target: S) -> Change:
    def change(affiliate: domain.Affiliate, now: datetime) -> domain.Affiliate | None:
        if affiliate.status == target or not domain.can_move(affiliate.status, target):
            return None
        return domain.move(affiliate, target, now=now)
    return change


def _delete(affiliate: domain.Affiliate, now: datetime) -> domain.Affiliate | None:
    return dataclasses.replace(affiliate, deleted_at=now, updated_at=now)


CHANGES: dict[BulkAction, tuple[Change, str]] = {
    BulkAction.approve: (_to(S.Approved), "affiliate.approved"),
    BulkAction.pause: (_to(S.Paused), "affiliate.paused"),
    BulkAction.delete: (_delete, "affiliate.deleted"),
}


async def bulk_action(pool: asyncpg.Pool, cmd: contract.BulkAffiliateAction
                      ) -> BulkActionResult:
    now, action = now_utc(), cmd.data.action
    change, audit_action = CHANGES[action]
    ids = list(dict.fromkeys(cmd.data.affiliate_ids))
    affected = 0
    async with unit_of_work(pool) as tx:
        repo = AffiliatesRepository(tx.conn)
        found = await repo.in_org(cmd.org_id, ids, lock=True)
        if action == BulkAction.approve:  # each approval claims a seat: lock in one order
            await lock_programs(tx.conn, cmd.org_id, {a.program_id for a in found})
        for current in found:
            updated = change(current, now)
            if updated is None:
                continue
            if action == BulkAction.delete:
                await repo.save(updated)
                gone = domain.to_response(current)
                await tx.audit(org_id=cmd.org_id, actor=cmd.actor, action=audit_action,
                               entity_type="affiliate", entity_id=str(current.id),
                               before=gone, after=None, created_at=now)
                await tx.emit("affiliate.deleted", org_id=cmd.org_id, data=as_json(gone),
                              created_at=now)
                # A deleted affiliate credits nothing: its coupon codes are free again.
                for coupon in await CouponCodesRepository(tx.conn).release_all(cmd.org_id,
                                                                               current.id):
                    await record_removal(tx, cmd.actor, coupon)
            else:  # a status change, with what it implies (a ban's denials)
                await apply_change(tx, repo, cmd.actor, current, updated, action=audit_action,
                                   now=now)
            affected += 1
    return BulkActionResult(affected=affected, total=len(cmd.data.affiliate_ids), action=action)
