"""A provider's partial and cumulative refunds (``refundedCents`` of ``paidCents``, issue 23)
booked on the real ledger schema, one by one and set-wise: each refunds that share of the sale
and of its override (invariant 6); copies and reorderings land on the largest share; an unpaid
commission is lowered, a paid (or claimed) one clawed back by the step; a whole refund after
them refunds the rest; a share that overtakes its sale is parked and applied when it lands.
S2S refunds (no share) are ``test_ledger_booking.py``'s, unchanged."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from libs.contracts.attributed import AcceptedRefund, AcceptedSale
from libs.shared.uow import unit_of_work
from services.ledger.conversions.service_layer.booking import Accepted
from services.ledger.conversions.service_layer.booking_batch import book_batch
from services.ledger.payables.adapters.repository import PayablesRepository
from tests.common.ledger_booking import T0, Program, book, emitted, new_program, refund, sale


def partial(p: Program, refunded: int | None, *, hours: int, paid: int = 10000
            ) -> AcceptedRefund:
    """Stripe's charge.amount_refunded of charge.amount for the sale ``ch_1``, ``hours``
    after it (``refunded`` None: a whole S2S refund)."""
    figures = {} if refunded is None else {"refundedCents": refunded, "paidCents": paid}
    return AcceptedRefund.model_validate({
        **refund(p, "ch_1", T0 + timedelta(hours=hours)),
        "externalEventId": f"evt_{hours}", **figures})


def charge(p: Program) -> AcceptedSale:
    return AcceptedSale.model_validate(sale(p, "ch_1"))


async def book_each(pool: asyncpg.Pool, *events: Accepted, batch: bool = False) -> None:
    """Each event in a transaction of its own (set-wise: a burst of one)."""
    for event in events:
        if batch:
            async with unit_of_work(pool) as tx:
                await book_batch(tx, [event])
        else:
            await book(pool, event)


async def state(pool: asyncpg.Pool, p: Program) -> dict[str, Any]:
    """Per row (the sale, its override): status, commission, refund events, claw-backs."""
    shown: dict[str, Any] = {}
    for who, affiliate in (("sale", p.affiliate_id), ("override", p.recruiter_id)):
        c = await pool.fetchrow("SELECT id, status, commission_cents FROM conversions "
                                "WHERE org_id = $1 AND affiliate_id = $2", p.org_id, affiliate)
        events = await pool.fetch(
            "SELECT amount_cents, commission_cents FROM conversion_events WHERE conversion_id "
            "= $1 AND event_type = 'refund' ORDER BY occurred_at", c["id"])
        clawed = await pool.fetch(
            "SELECT amount_cents FROM balance_adjustments WHERE conversion_id = $1 "
            "ORDER BY created_at, refund_step", c["id"])
        shown[who] = (c["status"], c["commission_cents"], [tuple(e) for e in events],
                      [a["amount_cents"] for a in clawed])
    return shown


@pytest.mark.parametrize("batch", [False, True])
async def test_partial_refunds_are_cumulative_and_the_override_follows_pro_rata(
        pool: asyncpg.Pool, batch: bool) -> None:
    p = await new_program(pool)
    await book_each(pool, charge(p), partial(p, 2500, hours=1), partial(p, 5000, hours=2),
                    batch=batch)
    # A quarter, then half in all: each step is computed from the booked 1980 / 198.
    assert await state(pool, p) == {
        "sale": ("Pending", 990, [(-2475, -495), (-2475, -495)], []),
        "override": ("Pending", 99, [(0, -50), (0, -49)], [])}
    assert await emitted(pool, p.org_id, "conversion.refunded") == []


async def test_the_same_refund_twice_and_a_smaller_share_late_change_nothing(
        pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    await book_each(pool, charge(p), partial(p, 5000, hours=2))
    once = await state(pool, p)
    await book_each(pool, partial(p, 5000, hours=2), partial(p, 5000, hours=3),
                    partial(p, 2500, hours=1))  # a copy, a redelivery, an older one late
    assert await state(pool, p) == once == {
        "sale": ("Pending", 990, [(-4950, -990)], []),
        "override": ("Pending", 99, [(0, -99)], [])}


@pytest.mark.parametrize("whole", [None, 10000, 12000])
async def test_a_whole_refund_after_a_partial_one_refunds_the_rest(
        pool: asyncpg.Pool, whole: int | None) -> None:
    p = await new_program(pool)
    await book_each(pool, charge(p), partial(p, 3333, hours=1), partial(p, whole, hours=2))
    assert await state(pool, p) == {
        "sale": ("Refunded", 1320, [(-3300, -660), (-6600, -1320)], []),
        "override": ("Refunded", 132, [(0, -66), (0, -132)], [])}
    refunded = await emitted(pool, p.org_id, "conversion.refunded")
    assert len(refunded) == 2  # the whole refund only, once per row
    await book_each(pool, partial(p, 5000, hours=3))  # after the whole one: nothing
    assert len((await state(pool, p))["sale"][2]) == 2


async def test_partial_refunds_of_a_paid_sale_claw_back_each_step(pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    await book_each(pool, charge(p), partial(p, 1000, hours=1))  # lowered while Pending
    await pool.execute("UPDATE conversions SET status = 'Paid' WHERE org_id = $1", p.org_id)
    await book_each(pool, partial(p, 2500, hours=2), partial(p, 2500, hours=3),
                    partial(p, 5000, hours=4))
    assert await state(pool, p) == {
        "sale": ("Paid", 1782, [(-990, -198), (-1485, -297), (-2475, -495)], [-297, -495]),
        "override": ("Paid", 178, [(0, -20), (0, -30), (0, -49)], [-30, -49])}
    await book_each(pool, partial(p, None, hours=5))
    # What was paid (1782), less its claw-backs, is what the affiliate keeps: nothing.
    after = await state(pool, p)
    assert after["sale"] == ("Refunded", 1782,
                             [(-990, -198), (-1485, -297), (-2475, -495), (-4950, -990)],
                             [-297, -495, -990])
    assert sum(after["override"][3]) == -178
    assert sum(e[1] for e in after["override"][2]) == -198


async def test_a_claimed_commission_is_clawed_back_not_lowered(pool: asyncpg.Pool) -> None:
    """A payout run pays the rows it claimed as claimed: lowering one would pay a line its
    conversion no longer has. A row refunded whole while claimed then owes back only what
    its partial claw-backs left."""
    p = await new_program(pool)
    await book_each(pool, charge(p))
    payout_id = uuid.uuid4()
    await pool.execute("UPDATE conversions SET status = 'Approved', payout_id = $2 "
                       "WHERE org_id = $1", p.org_id, payout_id)
    await book_each(pool, partial(p, 2500, hours=1))
    assert await state(pool, p) == {
        "sale": ("Approved", 1980, [(-2475, -495)], [-495]),
        "override": ("Approved", 198, [(0, -50)], [-50])}
    await book_each(pool, partial(p, None, hours=2))
    async with pool.acquire() as conn:
        owed = await PayablesRepository(conn).refunded_while_claimed(payout_id)
    assert sorted(cents for _, cents in owed) == [148, 1485]


@pytest.mark.parametrize("batch", [False, True])
async def test_a_share_that_overtakes_its_sale_is_parked_and_the_largest_applied(
        pool: asyncpg.Pool, batch: bool) -> None:
    p = await new_program(pool)
    await book_each(pool, partial(p, 3000, hours=2), partial(p, 2000, hours=1),
                    partial(p, 3000, hours=2), batch=batch)
    parked = await pool.fetch("SELECT refunded_cents, paid_cents FROM parked_refunds "
                              "WHERE org_id = $1", p.org_id)
    assert [tuple(r) for r in parked] == [(3000, 10000)]
    await book_each(pool, charge(p), batch=batch)
    assert await state(pool, p) == {
        "sale": ("Pending", 1386, [(-2970, -594)], []),
        "override": ("Pending", 139, [(0, -59)], [])}
    assert await pool.fetchval("SELECT count(*) FROM parked_refunds WHERE org_id = $1",
                               p.org_id) == 0


async def test_a_whole_refund_parked_wins_over_a_share(pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    await book_each(pool, partial(p, None, hours=1), partial(p, 9000, hours=2))
    await book_each(pool, charge(p))
    assert [s[0] for s in (await state(pool, p)).values()] == ["Refunded", "Refunded"]
