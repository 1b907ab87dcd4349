"""Coupon code use cases: assigning and removing codes (audited, in one unit of work each),
listing an affiliate's codes, and resolving a redeemed code to its affiliate. No webhook
event: the catalogue has none for codes, and the affiliate resource does not change."""

from __future__ import annotations

import uuid

import asyncpg

from libs.contracts import coupon_codes as contract
from libs.contracts.common import Actor
from libs.contracts.coupon_codes import CouponCodeList, CouponCodeResponse, CouponOwner
from libs.shared.clock import now_utc
from libs.shared.ids import new_id
from libs.shared.pagination import decode_cursor, page_of
from libs.shared.uow import Transaction, unit_of_work
from services.ledger.coupon_codes.adapters.repository import CouponCodesRepository, cursor_of
from services.ledger.coupon_codes.domain.model import CouponCode, to_response
from services.ledger.domain.errors import AffiliateNotFound, CouponCodeNotFound

ENTITY = "coupon_code"


async def _live_affiliate(repo: CouponCodesRepository, org_id: uuid.UUID,
                          affiliate_id: uuid.UUID, *, lock: bool = False) -> None:
    if not await repo.live_affiliate(org_id, affiliate_id, lock=lock):
        raise AffiliateNotFound("affiliate not found")


async def record_removal(tx: Transaction, actor: Actor, coupon: CouponCode) -> None:
    await tx.audit(org_id=coupon.org_id, actor=actor, action="coupon_code.removed",
                   entity_type=ENTITY, entity_id=str(coupon.id), before=to_response(coupon),
                   after=None, created_at=now_utc())


async def assign_coupon_code(pool: asyncpg.Pool, cmd: contract.AssignCouponCode
                             ) -> CouponCodeResponse:
    coupon = CouponCode(id=new_id(), org_id=cmd.org_id, affiliate_id=cmd.affiliate_id,
                        code=cmd.data.code, created_at=now_utc())
    async with unit_of_work(pool) as tx:
        repo = CouponCodesRepository(tx.conn)
        await _live_affiliate(repo, cmd.org_id, cmd.affiliate_id, lock=True)
        await repo.add(coupon)
        await tx.audit(org_id=cmd.org_id, actor=cmd.actor, action="coupon_code.assigned",
                       entity_type=ENTITY, entity_id=str(coupon.id), before=None,
                       after=to_response(coupon), created_at=coupon.created_at)
    return to_response(coupon)


async def list_coupon_codes(pool: asyncpg.Pool, cmd: contract.ListCouponCodes
                            ) -> CouponCodeList:
    async with pool.acquire() as conn:
        repo = CouponCodesRepository(conn)
        await _live_affiliate(repo, cmd.org_id, cmd.affiliate_id)
        rows = await repo.page(cmd.org_id, cmd.affiliate_id, take=cmd.take,
                               after=decode_cursor(cmd.cursor))
    items, next_cursor, has_more = page_of(rows, cmd.take, cursor_of)
    return CouponCodeList(items=[to_response(c) for c in items], next_cursor=next_cursor,
                          has_more=has_more)


async def remove_coupon_code(pool: asyncpg.Pool, cmd: contract.RemoveCouponCode) -> None:
    """A code of another shape, or one not assigned to this affiliate, is not found."""
    async with unit_of_work(pool) as tx:
        repo = CouponCodesRepository(tx.conn)
        await _live_affiliate(repo, cmd.org_id, cmd.affiliate_id, lock=True)
        removed = None
        if contract.code_problem(cmd.code) is None:
            removed = await repo.remove(cmd.org_id, cmd.affiliate_id, cmd.code)
        if removed is None:
            raise CouponCodeNotFound("this affiliate has no such coupon code", field="code")
        await record_removal(tx, cmd.actor, removed)


async def affiliate_for_coupon(pool: asyncpg.Pool, org_id: uuid.UUID, code: str
                               ) -> CouponOwner | None:
    """The affiliate a redeemed code (any case) is assigned to in the org; None when it is
    not assigned (or is not a code we could have stored)."""
    if contract.code_problem(code) is not None:
        return None
    async with pool.acquire() as conn:
        found = await CouponCodesRepository(conn).affiliate_for_coupon(org_id, code)
    if found is None:
        return None
    return CouponOwner(org_id=org_id, affiliate_id=found.affiliate_id,
                       program_id=found.program_id, status=found.status, code=found.code)


async def resolve_coupon(pool: asyncpg.Pool, cmd: contract.CouponOfOrg) -> CouponOwner | None:
    return await affiliate_for_coupon(pool, cmd.org_id, cmd.code)
