"""``affiliate_for_coupon``: the affiliate a redeemed code credits, on the real database and
through the ledger's ``coupon_codes.resolve`` over the real broker, as the provider ingestion
will ask it. Codes match whatever their case, only within their org, and a deleted
affiliate's codes credit nobody."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from libs.contracts.affiliates import BulkAffiliateAction
from libs.contracts.coupon_codes import RESOLVE_COUPON, AssignCouponCode, CouponOwner
from libs.shared.bus import Bus
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from libs.shared.settings import Settings
from services.ledger.affiliates.service_layer.bulk import bulk_action
from services.ledger.coupon_codes.entrypoints.rpc import add_coupon_code_handlers
from services.ledger.coupon_codes.service_layer.handlers import (
    affiliate_for_coupon,
    assign_coupon_code,
)
from tests.common.affiliate_side import ACTOR, Org, join, new_org
from tests.common.buses import MakeBus


async def _assign(pool: asyncpg.Pool, org: Org, affiliate_id: uuid.UUID, code: str) -> None:
    await assign_coupon_code(pool, AssignCouponCode.model_validate({
        "orgId": org.id, "actor": ACTOR, "affiliateId": affiliate_id, "data": {"code": code}}))


def _code() -> str:
    return f"Sarah{uuid.uuid4().hex[:8]}"


async def test_a_code_resolves_in_any_case_within_its_org(pool: asyncpg.Pool) -> None:
    org, other = await new_org(pool), await new_org(pool)
    sarah = await join(pool, org, f"sarah-{uuid.uuid4().hex[:6]}@example.com")
    code = _code()
    await _assign(pool, org, sarah, code)
    expected = CouponOwner(org_id=org.id, affiliate_id=sarah, program_id=org.program_id,
                           status="Approved", code=code)
    for redeemed in (code, code.upper(), code.lower()):
        assert await affiliate_for_coupon(pool, org.id, redeemed) == expected
    assert await affiliate_for_coupon(pool, other.id, code) is None
    for unknown in (f"{code}X", "", "not a code", "x" * 65, code + "\n"):
        assert await affiliate_for_coupon(pool, org.id, unknown) is None


async def test_the_status_is_reported_and_a_deleted_affiliate_credits_nobody(
        pool: asyncpg.Pool) -> None:
    """What a Paused or Banned affiliate's sale earns is the booking's rule; a deleted one has
    no codes left (deleting frees them)."""
    org = await new_org(pool)
    banned = await join(pool, org, f"b-{uuid.uuid4().hex[:6]}@example.com", status="Banned")
    gone = await join(pool, org, f"g-{uuid.uuid4().hex[:6]}@example.com")
    banned_code, gone_code = _code(), _code()
    await _assign(pool, org, banned, banned_code)
    await _assign(pool, org, gone, gone_code)
    found = await affiliate_for_coupon(pool, org.id, banned_code)
    assert found is not None and (found.affiliate_id, found.status) == (banned, "Banned")
    await bulk_action(pool, BulkAffiliateAction.model_validate({
        "orgId": org.id, "actor": ACTOR, "data": {"affiliateIds": [gone], "action": "delete"}}))
    assert await affiliate_for_coupon(pool, org.id, gone_code) is None
    assert await pool.fetchval("SELECT count(*) FROM coupon_codes WHERE affiliate_id = $1",
                               gone) == 0


@pytest.fixture
async def ledger(pool: asyncpg.Pool, settings: Settings, make_bus: MakeBus
                 ) -> AsyncIterator[tuple[Bus, str]]:
    """The coupon code handlers served under a service name of their own; (client, name)."""
    name = f"ledger-coupons-{uuid.uuid4().hex[:8]}"
    server = await make_bus(name)
    table = HandlerTable("ledger")
    add_coupon_code_handlers(table, ServiceContext(name, settings, pool, server))
    await server.serve(table.handlers)
    yield await make_bus(f"{name}-caller"), name


async def test_the_ledger_answers_over_the_bus(pool: asyncpg.Pool,
                                               ledger: tuple[Bus, str]) -> None:
    client, name = ledger
    org = await new_org(pool)
    sarah = await join(pool, org, f"s-{uuid.uuid4().hex[:6]}@example.com")
    code = _code()
    await _assign(pool, org, sarah, code)
    method = RESOLVE_COUPON.name
    reply = await client.call(name, method, {"orgId": str(org.id), "code": code.upper()})
    assert reply == {"orgId": str(org.id), "affiliateId": str(sarah),
                     "programId": str(org.program_id), "status": "Approved", "code": code}
    assert await client.call(name, method, {"orgId": str(org.id), "code": "UNKNOWN1"}) is None
