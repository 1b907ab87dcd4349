"""Denied conversions against the real ledger schema: what the ledger books for a Banned
affiliate (renewals, e-mail-matched sales, leads) is Denied and never approved, a Paused one
keeps earning; banning denies the affiliate's unpaid rows and the overrides that go with them
in the ban's transaction, leaves Paid and Refunded rows and other affiliates alone, and a ban
racing a stream of bookings leaves nothing of the banned affiliate payable."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from libs.contracts.affiliates import AffiliateResponse, BulkAffiliateAction, UpdateAffiliate
from libs.contracts.attributed import AcceptedLead, AcceptedRefund, AcceptedSale
from libs.shared.uow import unit_of_work
from services.ledger.affiliates.service_layer.bulk import bulk_action
from services.ledger.affiliates.service_layer.handlers import update_affiliate
from services.ledger.conversions.service_layer.approval import approve_due
from services.ledger.conversions.service_layer.booking import Accepted, book_accepted
from services.ledger.conversions.service_layer.booking_batch import book_batch
from tests.common.ledger_booking import ACTOR, T0, Program, another, new_program, refund, rows, sale


async def booked(pool: asyncpg.Pool, *events: Accepted, batch: bool = False) -> None:
    async with unit_of_work(pool) as tx:
        if batch:
            await book_batch(tx, list(events))
        else:
            for event in events:
                await book_accepted(tx, event)


async def set_status(pool: asyncpg.Pool, p: Program, affiliate_id: uuid.UUID,
                     status: str) -> AffiliateResponse:
    """PATCH status, the way the API bans (or pauses) one affiliate."""
    return await update_affiliate(pool, UpdateAffiliate.model_validate({
        "orgId": p.org_id, "actor": ACTOR, "affiliateId": affiliate_id,
        "data": {"status": status}}))


def of(p: Program, affiliate_id: uuid.UUID, event_id: str, **kw: Any) -> AcceptedSale:
    return AcceptedSale.model_validate({**sale(p, event_id, **kw),
                                        "affiliateId": str(affiliate_id)})


def lead(p: Program, affiliate_id: uuid.UUID, email: str) -> AcceptedLead:
    return AcceptedLead.model_validate({
        "orgId": str(p.org_id), "conversionId": str(uuid.uuid4()),
        "affiliateId": str(affiliate_id), "programId": str(p.program_id), "email": email,
        "currency": "USD", "payoutGraceDays": 0, "occurredAt": T0.isoformat()})


async def statuses(pool: asyncpg.Pool, p: Program) -> dict[tuple[str, bool], str]:
    """(externalEventId, is the sale rather than its override) -> status."""
    return {(r["external_event_id"], r["parent"] is None): r["status"]
            for r in await rows(pool, p.org_id)}


async def timeline(pool: asyncpg.Pool, conversion_id: uuid.UUID) -> list[tuple[Any, ...]]:
    found = await pool.fetch(
        "SELECT event_type, amount_cents, commission_cents FROM conversion_events "
        "WHERE conversion_id = $1 ORDER BY occurred_at, id", conversion_id)
    return [tuple(r) for r in found]


# ---- booking for a Banned affiliate -------------------------------------------------------------
async def test_a_banned_affiliate_s_renewal_is_denied_with_its_commission_kept(
        pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    await booked(pool, of(p, p.affiliate_id, "in_0", subscription="sub_1", grace_days=0))
    await set_status(pool, p, p.affiliate_id, "Banned")
    renewal = of(p, p.affiliate_id, "in_1", subscription="sub_1", grace_days=0,
                 at=T0 + timedelta(days=30))
    await booked(pool, renewal)
    [*_, sale_row, override] = await rows(pool, p.org_id)
    assert (sale_row["id"], sale_row["type"], sale_row["status"],
            sale_row["commission_cents"]) == (renewal.conversion_id, "Recurring", "Denied", 1980)
    assert (override["parent"], override["affiliate_id"], override["status"],
            override["commission_cents"]) == (sale_row["id"], p.recruiter_id, "Denied", 198)
    assert await timeline(pool, sale_row["id"]) == [("renewal", 9900, 1980)]
    while await approve_due(pool, now=datetime.now(UTC), batch=1000) == 1000:
        pass  # grace 0: a Pending row would be approved now
    assert set((await statuses(pool, p)).values()) == {"Denied"}


async def test_a_paused_affiliate_keeps_earning_its_renewals(pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    await booked(pool, of(p, p.affiliate_id, "in_0", subscription="sub_1"))
    await set_status(pool, p, p.affiliate_id, "Paused")
    await booked(pool, of(p, p.affiliate_id, "in_1", subscription="sub_1",
                          at=T0 + timedelta(days=30)))
    assert set((await statuses(pool, p)).values()) == {"Pending"}


async def test_e_mail_matched_sales_and_leads_of_a_banned_affiliate_are_denied(
        pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    await set_status(pool, p, p.affiliate_id, "Banned")
    matched = of(p, p.affiliate_id, "in_matched").model_copy(
        update={"attribution_method": "email_match", "customer_email": "jo@example.com"})
    await booked(pool, matched, lead(p, p.affiliate_id, "jo@example.com"))
    assert await statuses(pool, p) == {
        ("in_matched", True): "Denied", ("in_matched", False): "Denied",
        (f"lead:{p.program_id}:jo@example.com", True): "Denied"}


async def test_a_banned_recruiter_s_override_is_denied_and_its_recruit_still_earns(
        pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    await set_status(pool, p, p.recruiter_id, "Banned")
    await booked(pool, of(p, p.affiliate_id, "in_1"))
    assert await statuses(pool, p) == {("in_1", True): "Pending", ("in_1", False): "Denied"}


# ---- banning ------------------------------------------------------------------------------------
async def test_banning_denies_unpaid_rows_and_their_overrides_and_leaves_the_rest(
        pool: asyncpg.Pool) -> None:
    p = await new_program(pool)  # p.affiliate is recruited by p.recruiter, whom we ban
    recruit_b = await another(pool, p, status="Approved", recruited_by=p.recruiter_id)
    await booked(pool, *(of(p, p.recruiter_id, e) for e in ("own_pending", "own_approved",
                                                           "own_paid", "own_refunded")),
                 of(p, p.affiliate_id, "recruit_sale"), of(p, recruit_b, "recruit_b_paid"),
                 AcceptedRefund.model_validate(refund(p, "own_refunded")))
    await pool.execute(
        "UPDATE conversions SET status = 'Approved' WHERE org_id = $1 AND external_event_id "
        "= 'own_approved'", p.org_id)
    await pool.execute(
        "UPDATE conversions SET status = 'Paid' WHERE org_id = $1 AND external_event_id = ANY("
        "ARRAY['own_paid', 'recruit_b_paid']) AND parent_affiliate_conversion_id IS NULL",
        p.org_id)
    other = await new_program(pool)  # another org: untouched
    await booked(pool, of(other, other.recruiter_id, "elsewhere"))
    before = {r["id"]: r for r in await rows(pool, p.org_id)}

    answer = await set_status(pool, p, p.recruiter_id, "Banned")
    assert answer.status == "Banned"
    assert await statuses(pool, p) == {
        ("own_pending", True): "Denied", ("own_approved", True): "Denied",
        ("own_paid", True): "Paid", ("own_refunded", True): "Refunded",
        # Its share of its recruits' sales is its commission too; the recruits' own rows
        # stay theirs (the override beside a Paid sale is Pending, and denied all the same).
        ("recruit_sale", True): "Pending", ("recruit_sale", False): "Denied",
        ("recruit_b_paid", True): "Paid", ("recruit_b_paid", False): "Denied"}
    assert set((await statuses(pool, other)).values()) == {"Pending"}
    for row in await rows(pool, p.org_id):
        events = await timeline(pool, row["id"])
        was = before[row["id"]]
        if row["status"] == "Denied":
            amount = 0 if row["parent"] else 9900
            assert events[-1] == ("denied", -amount, -was["commission_cents"]), events
            assert sum(1 for e in events if e[0] == "denied") == 1
        else:
            assert row["status"] == was["status"]
            assert all(e[0] != "denied" for e in events)
    # Banning again changes nothing more.
    await set_status(pool, p, p.recruiter_id, "Banned")
    assert await pool.fetchval(
        "SELECT count(*) FROM conversion_events e JOIN conversions c ON c.id = e.conversion_id "
        "WHERE c.org_id = $1 AND e.event_type = 'denied'", p.org_id) == 4


async def test_banning_a_recruit_denies_the_override_beside_its_sales(
        pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    await booked(pool, of(p, p.affiliate_id, "in_1"), of(p, p.recruiter_id, "in_own"))
    await set_status(pool, p, p.affiliate_id, "Banned")
    assert await statuses(pool, p) == {("in_1", True): "Denied", ("in_1", False): "Denied",
                                       ("in_own", True): "Pending"}


async def test_pausing_denies_nothing(pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    await booked(pool, of(p, p.affiliate_id, "in_1"))
    await bulk_action(pool, BulkAffiliateAction.model_validate({
        "orgId": p.org_id, "actor": ACTOR,
        "data": {"affiliateIds": [str(p.affiliate_id)], "action": "pause"}}))
    await set_status(pool, p, p.affiliate_id, "Approved")
    assert set((await statuses(pool, p)).values()) == {"Pending"}


@pytest.mark.parametrize("batch", [False, True])
async def test_a_ban_racing_bookings_leaves_nothing_of_the_banned_affiliate_payable(
        pool: asyncpg.Pool, batch: bool) -> None:
    """Each booking either sees the ban (booked Denied) or commits before it and is denied by
    it: whichever way they interleave, nothing of the banned affiliate stays Pending."""
    p = await new_program(pool)

    async def bookings(start: int) -> None:
        for i in range(start, start + 20):
            await booked(pool, of(p, p.affiliate_id, f"race_{i}"),
                         lead(p, p.affiliate_id, f"race-{i}@example.com"), batch=batch)

    async def ban_midway() -> None:
        await asyncio.sleep(0.01)
        await set_status(pool, p, p.affiliate_id, "Banned")

    await asyncio.gather(bookings(0), bookings(100), ban_midway())
    found = await rows(pool, p.org_id)
    assert len(found) == 120  # 80 sales and leads, 40 overrides
    assert {r["status"] for r in found} == {"Denied"}
