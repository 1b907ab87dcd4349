"""Payment disputes in the ledger, from the real bus into the real schema: an open dispute
holds the sale and its override (the approval job skips them, payout runs and the affiliate's
payable balance leave them out), a won one releases them, a lost one refunds the sale whole (a
Paid one leaves claw-backs); a close that overtakes its open wins, a dispute that overtakes
its sale applies when the sale lands, and redeliveries change nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from libs.contracts.attributed import DISPUTE_CLOSED, DISPUTE_OPENED, SALE_ACCEPTED
from libs.shared.settings import Settings
from services.ledger.conversions.adapters.balances_repository import balances_of
from services.ledger.conversions.entrypoints import consumers, dispute_consumers
from services.ledger.conversions.service_layer.approval import approve_due
from services.ledger.payables.adapters.repository import PayablesRepository
from tests.common.ledger_booking import T0, Program, emitted, new_program, rows, sale
from tests.common.ledger_consumers import Ledger, ledger_consumers


@pytest.fixture(scope="module")
async def ledger(pool: asyncpg.Pool, settings: Settings) -> AsyncIterator[dict[str, Ledger]]:
    """The ledger's sales and disputes consumers, by queue."""
    async with ledger_consumers(pool, settings, {
            consumers.QUEUE: consumers.subscribe,
            dispute_consumers.QUEUE: dispute_consumers.subscribe_disputes}) as found:
        yield {"sales": found[consumers.QUEUE], "disputes": found[dispute_consumers.QUEUE]}


def opened(p: Program, dispute: str, sale_event: str) -> dict[str, Any]:
    return {"orgId": str(p.org_id), "disputeId": dispute, "saleExternalEventId": sale_event,
            "occurredAt": (T0 + timedelta(days=2)).isoformat()}


def closed(p: Program, dispute: str, sale_event: str, *, won: bool) -> dict[str, Any]:
    return {**opened(p, dispute, sale_event), "won": won,
            "occurredAt": (T0 + timedelta(days=9)).isoformat()}


async def book(ledger: dict[str, Ledger], p: Program, *event_ids: str) -> None:
    await ledger["sales"].deliver(SALE_ACCEPTED, *[sale(p, e, grace_days=0) for e in event_ids])


async def approve_all(pool: asyncpg.Pool) -> None:
    while await approve_due(pool, now=datetime.now(UTC), batch=1000) == 1000:
        pass


async def statuses(pool: asyncpg.Pool, p: Program) -> dict[tuple[str, uuid.UUID], str]:
    """Each row's status by (sale's external id, affiliate): the sale's and its override's."""
    return {(r["external_event_id"], r["affiliate_id"]): r["status"]
            for r in await rows(pool, p.org_id)}


async def payable(pool: asyncpg.Pool, p: Program) -> dict[uuid.UUID, int]:
    """What a payout run over the sales' period would pay each affiliate."""
    async with pool.acquire() as conn:
        found = await PayablesRepository(conn).balances(p.org_id, T0.date(), date.today(), None)
    return {b.affiliate_id: b.due_cents for b in found}


async def balance(pool: asyncpg.Pool, p: Program) -> tuple[int, int, int]:
    """The affiliate's own balance as its dashboard shows it: pending, approved, in payout."""
    async with pool.acquire() as conn:
        [found] = (await balances_of(conn, [p.org_id], [p.affiliate_id]))[p.affiliate_id]
    return found.pending_cents, found.approved_cents, found.in_payout_cents


async def dispute_state(pool: asyncpg.Pool, p: Program, dispute: str) -> str | None:
    found: str | None = await pool.fetchval(
        "SELECT state FROM conversion_disputes WHERE org_id = $1 AND dispute_id = $2",
        p.org_id, dispute)
    return found


async def test_an_open_dispute_holds_the_sale_and_its_override_until_it_is_won(
        pool: asyncpg.Pool, ledger: dict[str, Ledger]) -> None:
    p, stranger = await new_program(pool), await new_program(pool)
    await book(ledger, p, "in_held", "in_free")
    await book(ledger, stranger, "in_held")
    await ledger["disputes"].deliver(DISPUTE_OPENED, opened(p, "dp_1", "in_held"))
    await approve_all(pool)
    assert await statuses(pool, p) == {
        ("in_held", p.affiliate_id): "Pending", ("in_held", p.recruiter_id): "Pending",
        ("in_free", p.affiliate_id): "Approved", ("in_free", p.recruiter_id): "Approved"}
    assert set((await statuses(pool, stranger)).values()) == {"Approved"}  # another org's
    assert await payable(pool, p) == {p.affiliate_id: 1980, p.recruiter_id: 198}
    await ledger["disputes"].deliver(DISPUTE_CLOSED, closed(p, "dp_1", "in_held", won=True))
    assert await dispute_state(pool, p, "dp_1") == "won"
    await approve_all(pool)
    assert set((await statuses(pool, p)).values()) == {"Approved"}
    assert await payable(pool, p) == {p.affiliate_id: 3960, p.recruiter_id: 396}
    assert await emitted(pool, p.org_id, "conversion.refunded") == []


async def test_an_approved_sale_disputed_is_not_claimed_nor_payable_until_released(
        pool: asyncpg.Pool, ledger: dict[str, Ledger]) -> None:
    p = await new_program(pool)
    await book(ledger, p, "in_a", "in_b")
    await approve_all(pool)
    await ledger["disputes"].deliver(DISPUTE_OPENED, opened(p, "dp_a", "in_a"))
    assert await payable(pool, p) == {p.affiliate_id: 1980, p.recruiter_id: 198}
    assert await balance(pool, p) == (1980, 1980, 0)  # held: pending, not payable
    payout = uuid.uuid4()
    async with pool.acquire() as conn:  # a payout run claims the free sale only
        lines = await PayablesRepository(conn).claim(
            p.org_id, T0.date(), date.today(), None, [(payout, p.affiliate_id, "USD")])
    b = await pool.fetchval("SELECT id FROM conversions WHERE org_id = $1 AND affiliate_id = $2 "
                            "AND external_event_id = 'in_b'", p.org_id, p.affiliate_id)
    assert [line.conversion_id for line in lines[payout]] == [b]
    await ledger["disputes"].deliver(DISPUTE_CLOSED, closed(p, "dp_a", "in_a", won=True))
    assert await payable(pool, p) == {p.affiliate_id: 1980, p.recruiter_id: 396}
    assert await balance(pool, p) == (0, 1980, 1980)


async def test_a_lost_dispute_refunds_the_sale_whole_and_claws_back_a_paid_one(
        pool: asyncpg.Pool, ledger: dict[str, Ledger]) -> None:
    p = await new_program(pool)
    await book(ledger, p, "in_pending", "in_paid")
    await pool.execute("UPDATE conversions SET status = 'Paid' WHERE org_id = $1 "
                       "AND external_event_id = 'in_paid'", p.org_id)
    await ledger["disputes"].deliver(DISPUTE_OPENED, opened(p, "dp_p", "in_pending"),
                                     opened(p, "dp_q", "in_paid"))
    await ledger["disputes"].deliver(DISPUTE_CLOSED, closed(p, "dp_p", "in_pending", won=False),
                                     closed(p, "dp_q", "in_paid", won=False))
    assert set((await statuses(pool, p)).values()) == {"Refunded"}
    owed = await pool.fetch("SELECT affiliate_id, amount_cents, reason FROM balance_adjustments "
                            "WHERE org_id = $1 ORDER BY amount_cents", p.org_id)
    assert [tuple(r) for r in owed] == [(p.affiliate_id, -1980, "refund"),
                                        (p.recruiter_id, -198, "refund")]
    assert len(await emitted(pool, p.org_id, "conversion.refunded")) == 4
    events = await pool.fetch(
        "SELECT e.event_type, e.amount_cents FROM conversion_events e JOIN conversions c "
        "ON c.id = e.conversion_id WHERE c.org_id = $1 AND e.event_type = 'refund' "
        "AND c.parent_affiliate_conversion_id IS NULL", p.org_id)
    assert sorted(tuple(r) for r in events) == [("refund", -9900)] * 2


async def test_a_close_before_its_open_wins(
        pool: asyncpg.Pool, ledger: dict[str, Ledger]) -> None:
    p = await new_program(pool)
    await book(ledger, p, "in_lost", "in_won")
    await ledger["disputes"].deliver(DISPUTE_CLOSED, closed(p, "dp_l", "in_lost", won=False),
                                     closed(p, "dp_w", "in_won", won=True))
    await ledger["disputes"].deliver(DISPUTE_OPENED, opened(p, "dp_l", "in_lost"),
                                     opened(p, "dp_w", "in_won"))
    assert (await dispute_state(pool, p, "dp_l"), await dispute_state(pool, p, "dp_w")) == (
        "lost", "won")
    await approve_all(pool)
    found = await statuses(pool, p)
    assert {k[0]: v for k, v in found.items()} == {"in_lost": "Refunded", "in_won": "Approved"}


async def test_redelivered_disputes_change_nothing(
        pool: asyncpg.Pool, ledger: dict[str, Ledger]) -> None:
    p = await new_program(pool)
    await book(ledger, p, "in_twice")
    await pool.execute("UPDATE conversions SET status = 'Paid' WHERE org_id = $1", p.org_id)
    body = opened(p, "dp_t", "in_twice")
    await ledger["disputes"].deliver(DISPUTE_OPENED, body, body, body)
    lost = closed(p, "dp_t", "in_twice", won=False)
    await ledger["disputes"].deliver(DISPUTE_CLOSED, lost, lost)
    await ledger["disputes"].deliver(DISPUTE_CLOSED, {**lost, "won": True}, lost)
    await ledger["disputes"].deliver(DISPUTE_OPENED, body)
    assert await dispute_state(pool, p, "dp_t") == "lost"
    assert await pool.fetchval(
        "SELECT sum(amount_cents) FROM balance_adjustments WHERE org_id = $1", p.org_id) == -2178
    assert len(await emitted(pool, p.org_id, "conversion.refunded")) == 2


async def test_a_dispute_that_overtakes_its_sale_applies_when_the_sale_lands(
        pool: asyncpg.Pool, ledger: dict[str, Ledger]) -> None:
    p = await new_program(pool)
    await ledger["disputes"].deliver(DISPUTE_OPENED, opened(p, "dp_early", "in_late_held"))
    await ledger["disputes"].deliver(DISPUTE_CLOSED,
                                     closed(p, "dp_gone", "in_late_lost", won=False))
    await book(ledger, p, "in_late_held", "in_late_lost")
    await approve_all(pool)
    assert await statuses(pool, p) == {
        ("in_late_held", p.affiliate_id): "Pending", ("in_late_held", p.recruiter_id): "Pending",
        ("in_late_lost", p.affiliate_id): "Refunded",
        ("in_late_lost", p.recruiter_id): "Refunded"}
