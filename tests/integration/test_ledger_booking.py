"""The ledger books what tracking accepted, from the real bus into the real schema: sales once
whatever the redeliveries and concurrency, a renewal chain against the program's recurring cap,
refunds (the override follows; a Paid row leaves adjustments; one that overtakes its sale is
applied when the sale lands), leads, and poison messages dead-lettered."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import asyncpg
import pytest

from libs.contracts.attributed import (
    LEAD_ACCEPTED,
    REFUND_ACCEPTED,
    SALE_ACCEPTED,
    AcceptedRefund,
    AcceptedSale,
)
from libs.contracts.common import as_json
from libs.contracts.conversions import GetConversion
from libs.shared.settings import Settings
from libs.shared.uow import unit_of_work
from services.ledger.conversions.entrypoints.consumers import QUEUE, subscribe
from services.ledger.conversions.service_layer.approval import approve_due
from services.ledger.conversions.service_layer.booking import book_refund, book_sale
from services.ledger.conversions.service_layer.queries import get_conversion
from tests.common.ledger_booking import T0, emitted, new_program, refund, rows, sale
from tests.common.ledger_consumers import Ledger, at_least, ledger_consumers, until


@pytest.fixture(scope="module")
async def ledger(pool: asyncpg.Pool, settings: Settings) -> AsyncIterator[Ledger]:
    async with ledger_consumers(pool, settings, {QUEUE: subscribe}) as found:
        yield found[QUEUE]


async def test_a_sale_is_booked_once_however_often_it_is_delivered(
        pool: asyncpg.Pool, ledger: Ledger) -> None:
    p = await new_program(pool)
    body = sale(p, "in_once")
    await ledger.deliver(SALE_ACCEPTED, body)
    await ledger.send(SALE_ACCEPTED, body, message_id="same-id")
    await ledger.deliver(SALE_ACCEPTED, body, body)  # a redelivery, two more copies
    booked = await rows(pool, p.org_id)
    assert [(r["affiliate_id"], r["commission_cents"], r["status"], r["type"]) for r in booked] \
        == [(p.affiliate_id, 1980, "Pending", "OneTime"), (p.recruiter_id, 198, "Pending",
                                                            "OneTime")]
    assert booked[0]["id"] == uuid.UUID(body["conversionId"])
    assert await emitted(pool, p.org_id, "conversion.created") == sorted(
        str(r["id"]) for r in booked)


async def test_fifty_concurrent_copies_book_one_conversion(
        pool: asyncpg.Pool, ledger: Ledger) -> None:
    p = await new_program(pool)
    body = sale(p, "in_concurrent")
    copies = [{**body, "conversionId": str(uuid.uuid4())} for _ in range(25)]
    await ledger.deliver(SALE_ACCEPTED, *([body] * 25), *copies)
    booked = await rows(pool, p.org_id)
    assert [r["commission_cents"] for r in booked] == [1980, 198]
    assert len(await emitted(pool, p.org_id, "conversion.created")) == 2


async def test_a_renewal_chain_earns_within_the_cap_and_keeps_one_timeline(
        pool: asyncpg.Pool, ledger: Ledger) -> None:
    p = await new_program(pool, recurring_months=2)
    invoices = [sale(p, f"in_{k}", subscription="sub_1", at=T0 + timedelta(days=30 * k))
                for k in range(5)]
    for body in invoices:  # one at a time: a renewal's number is its booking order
        await ledger.deliver(SALE_ACCEPTED, body)
    booked = await rows(pool, p.org_id)
    sales = [r for r in booked if r["parent"] is None]
    # Beyond the cap a renewal still has its own row (tracking answered its id), earning 0.
    assert [(r["id"], r["external_event_id"], r["type"], r["commission_cents"])
            for r in sales] == [
        (uuid.UUID(body["conversionId"]), body["externalEventId"], "Recurring", cents)
        for body, cents in zip(invoices, [1980, 1980, 1980, 0, 0], strict=True)]
    assert [r["commission_cents"] for r in booked if r["parent"]] == [198, 198, 198]
    renewals = await pool.fetch(
        "SELECT renewal_number, conversion_id FROM subscription_renewals "
        "WHERE org_id = $1 ORDER BY renewal_number", p.org_id)
    assert [(r["renewal_number"], r["conversion_id"]) for r in renewals] == [
        (k, uuid.UUID(invoices[k]["conversionId"])) for k in range(1, 5)]
    await ledger.deliver(SALE_ACCEPTED, invoices[4], invoices[1])  # redelivered: no change
    assert len(await rows(pool, p.org_id)) == 8
    # The initial sale shows the subscription's whole timeline; each renewal (an unearning one
    # too) its own event only.
    expected = {0: [("initial", 9900, 1980), ("renewal", 9900, 1980), ("renewal", 9900, 1980),
                    ("renewal", 9900, 0), ("renewal", 9900, 0)],
                2: [("renewal", 9900, 1980)], 4: [("renewal", 9900, 0)]}
    for k, events in expected.items():
        shown = as_json(await get_conversion(pool, GetConversion.model_validate(
            {"orgId": p.org_id, "conversionId": invoices[k]["conversionId"]})))
        assert [(e["eventType"], e["amountCents"], e["commissionCents"])
                for e in shown["events"]] == events, k


async def test_refunding_an_unearning_renewal_refunds_its_own_row_only(
        pool: asyncpg.Pool, ledger: Ledger) -> None:
    p = await new_program(pool, recurring_months=0)
    bodies = [sale(p, f"in_{k}", subscription="sub_2", at=T0 + timedelta(days=30 * k))
              for k in range(2)]
    for body in bodies:
        await ledger.deliver(SALE_ACCEPTED, body)
    later = T0 + timedelta(days=45)
    await ledger.deliver(REFUND_ACCEPTED, refund(p, "in_1", later), refund(p, "in_1", later))
    [initial, override, renewal] = await rows(pool, p.org_id)
    assert (initial["status"], override["status"]) == ("Pending", "Pending")
    assert override["parent"] == initial["id"]  # the 0 renewal has no override
    assert (renewal["id"], renewal["commission_cents"], renewal["status"],
            renewal["refunded_at"]) == (uuid.UUID(bodies[1]["conversionId"]), 0, "Refunded",
                                        later)
    assert await emitted(pool, p.org_id, "conversion.refunded") == [str(renewal["id"])]
    assert await pool.fetchval(  # nothing was paid, nothing to claw back
        "SELECT count(*) FROM balance_adjustments WHERE org_id = $1", p.org_id) == 0
    shown = as_json(await get_conversion(pool, GetConversion.model_validate(
        {"orgId": p.org_id, "conversionId": initial["id"]})))
    assert [(e["eventType"], e["amountCents"], e["commissionCents"])
            for e in shown["events"]] == [
        ("initial", 9900, 1980), ("renewal", 9900, 0), ("refund", -9900, 0)]


async def test_an_old_unearning_renewal_without_a_row_is_still_refunded_on_the_timeline(
        pool: asyncpg.Pool, ledger: Ledger) -> None:
    """Earlier versions booked a renewal that earned nothing as a 0 event on the first sale,
    without a row of its own; one of those is still refunded as before (a 0 ``refund`` event,
    once)."""
    p = await new_program(pool, recurring_months=0)
    await ledger.deliver(SALE_ACCEPTED, sale(p, "in_0", subscription="sub_3"))
    [initial, _] = await rows(pool, p.org_id)
    await pool.execute(
        "INSERT INTO conversion_events (id, conversion_id, event_type, amount_cents, "
        "commission_cents, occurred_at) VALUES ($1, $2, 'renewal', 9900, 0, $3)",
        uuid.uuid4(), initial["id"], T0 + timedelta(days=30))
    await pool.execute(
        "INSERT INTO subscription_renewals (org_id, external_event_id, subscription_id, "
        "renewal_number, initial_conversion_id, conversion_id, amount_cents, occurred_at) "
        "VALUES ($1, 'in_old', 'sub_3', 1, $2, NULL, 9900, $3)", p.org_id, initial["id"],
        T0 + timedelta(days=30))
    later = T0 + timedelta(days=45)
    await ledger.deliver(REFUND_ACCEPTED, refund(p, "in_old", later), refund(p, "in_old", later))
    assert len(await rows(pool, p.org_id)) == 2
    shown = as_json(await get_conversion(pool, GetConversion.model_validate(
        {"orgId": p.org_id, "conversionId": initial["id"]})))
    assert [(e["eventType"], e["amountCents"], e["commissionCents"])
            for e in shown["events"]] == [
        ("initial", 9900, 1980), ("renewal", 9900, 0), ("refund", -9900, 0)]


async def test_refunding_a_paid_sale_leaves_adjustments_and_the_override_follows(
        pool: asyncpg.Pool, ledger: Ledger) -> None:
    p = await new_program(pool)
    await ledger.deliver(SALE_ACCEPTED, sale(p, "in_paid"))
    await pool.execute("UPDATE conversions SET status = 'Paid' WHERE org_id = $1", p.org_id)
    refunded_at = T0 + timedelta(days=40)
    await ledger.deliver(REFUND_ACCEPTED, refund(p, "in_paid", refunded_at))
    await ledger.deliver(REFUND_ACCEPTED, refund(p, "in_paid", refunded_at))  # no-op
    booked = await rows(pool, p.org_id)
    assert [(r["status"], r["refunded_at"]) for r in booked] == [("Refunded", refunded_at)] * 2
    adjustments = await pool.fetch(
        "SELECT affiliate_id, amount_cents, currency, conversion_id, settled_payout_id "
        "FROM balance_adjustments WHERE org_id = $1 ORDER BY amount_cents", p.org_id)
    assert [tuple(a) for a in adjustments] == [
        (p.affiliate_id, -1980, "USD", booked[0]["id"], None),
        (p.recruiter_id, -198, "USD", booked[1]["id"], None)]
    assert await emitted(pool, p.org_id, "conversion.refunded") == sorted(
        str(r["id"]) for r in booked)
    events = await pool.fetch(
        "SELECT amount_cents, commission_cents FROM conversion_events WHERE conversion_id = $1 "
        "AND event_type = 'refund'", booked[0]["id"])
    assert [tuple(e) for e in events] == [(-9900, -1980)]


async def test_a_refund_that_overtakes_its_sale_is_applied_when_the_sale_lands(
        pool: asyncpg.Pool, ledger: Ledger) -> None:
    p = await new_program(pool)
    await ledger.deliver(REFUND_ACCEPTED, refund(p, "in_late"), refund(p, "in_late"))
    assert await rows(pool, p.org_id) == []
    parked = "SELECT count(*) FROM parked_refunds WHERE org_id = $1"
    assert await pool.fetchval(parked, p.org_id) == 1
    await ledger.deliver(SALE_ACCEPTED, sale(p, "in_late"))
    assert [r["status"] for r in await rows(pool, p.org_id)] == ["Refunded", "Refunded"]
    assert await pool.fetchval(parked, p.org_id) == 0
    assert await pool.fetchval(  # it was Pending: nothing had been paid, nothing to claw back
        "SELECT count(*) FROM balance_adjustments WHERE org_id = $1", p.org_id) == 0


async def test_a_refund_racing_its_sale_is_applied_exactly_once(
        pool: asyncpg.Pool, ledger: Ledger) -> None:
    p = await new_program(pool)
    bodies = [sale(p, f"in_race_{i}") for i in range(20)]
    refunds = [(REFUND_ACCEPTED, refund(p, b["externalEventId"])) for b in bodies]
    await ledger.deliver_all([m for pair in zip(refunds, [(SALE_ACCEPTED, b) for b in bodies],
                                                strict=True) for m in pair])
    assert {r["status"] for r in await rows(pool, p.org_id)} == {"Refunded"}
    assert len(await emitted(pool, p.org_id, "conversion.refunded")) == 40
    assert await pool.fetchval(
        "SELECT count(*) FROM parked_refunds WHERE org_id = $1", p.org_id) == 0


async def test_a_lead_is_booked_once(pool: asyncpg.Pool, ledger: Ledger) -> None:
    p = await new_program(pool)
    lead = {"orgId": str(p.org_id), "conversionId": str(uuid.uuid4()),
            "affiliateId": str(p.affiliate_id), "programId": str(p.program_id),
            "email": " Jo@Example.com", "currency": "EUR", "payoutGraceDays": 30,
            "occurredAt": T0.isoformat()}
    await ledger.deliver(LEAD_ACCEPTED, lead, lead, lead)
    [row] = await rows(pool, p.org_id)
    assert (row["id"], row["type"], row["commission_cents"]) == (
        uuid.UUID(lead["conversionId"]), "LeadReward", 0)
    assert await pool.fetchval("SELECT external_event_id FROM conversions WHERE id = $1",
                               row["id"]) == f"lead:{p.program_id}:jo@example.com"
    assert await emitted(pool, p.org_id, "lead.created") == [str(row["id"])]


async def test_poison_messages_are_dead_lettered(
        pool: asyncpg.Pool, ledger: Ledger, settings: Settings) -> None:
    p = await new_program(pool)
    stranger = {**sale(p, "in_stranger"), "affiliateId": str(uuid.uuid4())}
    before = ledger.handled("dead_lettered")
    await asyncio.gather(*(ledger.send(SALE_ACCEPTED, body) for body in (
        {"orgId": "nope"}, stranger, sale(p, "in_good"))))  # one burst: the good one is booked
    await until(lambda: at_least(ledger.handled("dead_lettered"), before + 2))
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        dlq = await channel.declare_queue(f"{ledger.queue}.dlq", passive=True)
        assert dlq.declaration_result.message_count >= 2
    assert [r["external_event_id"] for r in await rows(pool, p.org_id)] == ["in_good"] * 2


async def test_the_approval_job_never_approves_refunded_or_denied_rows(
        pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    for event_id in ("in_refunded", "in_denied"):
        async with unit_of_work(pool) as tx:
            await book_sale(tx, AcceptedSale.model_validate(sale(p, event_id, grace_days=0)))
    await pool.execute("UPDATE conversions SET status = 'Denied' WHERE org_id = $1 "
                       "AND external_event_id = 'in_denied'", p.org_id)
    await pool.execute("UPDATE conversions SET status = 'Refunded' WHERE org_id = $1 "
                       "AND external_event_id = 'in_refunded'", p.org_id)
    while await approve_due(pool, now=datetime.now(UTC), batch=1000) == 1000:
        pass
    assert {(r["external_event_id"], r["status"]) for r in await rows(pool, p.org_id)} == {
        ("in_refunded", "Refunded"), ("in_denied", "Denied")}


async def test_a_locked_row_is_never_approved_and_blocks_no_other(pool: asyncpg.Pool
                                                                  ) -> None:
    p = await new_program(pool)
    for event_id in ("in_locked", "in_due"):
        async with unit_of_work(pool) as tx:
            await book_sale(tx, AcceptedSale.model_validate(sale(p, event_id, grace_days=0)))
    await pool.execute("UPDATE conversions SET locked = true WHERE org_id = $1 "
                       "AND external_event_id = 'in_locked'", p.org_id)
    while await approve_due(pool, now=datetime.now(UTC), batch=1000) == 1000:
        pass
    assert {(r["external_event_id"], r["status"]) for r in await rows(pool, p.org_id)} == {
        ("in_locked", "Pending"), ("in_due", "Approved")}


async def test_sales_and_their_refunds_booked_at_once_lose_no_refund(
        pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    bodies = [sale(p, f"in_pair_{i}") for i in range(100)]

    async def one(task: Callable[[Any], Awaitable[None]], event: Any) -> None:
        async with unit_of_work(pool) as tx:
            await task(tx, event)

    await asyncio.gather(*(call for b in bodies for call in (
        one(book_refund, AcceptedRefund.model_validate(refund(p, b["externalEventId"]))),
        one(book_sale, AcceptedSale.model_validate(b)))))
    assert {r["status"] for r in await rows(pool, p.org_id)} == {"Refunded"}
    assert await pool.fetchval(
        "SELECT count(*) FROM parked_refunds WHERE org_id = $1", p.org_id) == 0
