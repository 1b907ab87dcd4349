"""The set-wise booking of a burst against the real ledger schema: the same rows, timeline
events and ``conversion.created`` events as booking each sale alone, whatever the burst holds
(copies, sales already booked, a refund parked before its sale, subscription sales and refunds
mixed in, sales of a Banned affiliate or of one recruited by a Banned one, and of a Paused
one)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from libs.contracts.attributed import AcceptedRefund, AcceptedSale
from libs.shared.uow import unit_of_work
from services.ledger.conversions.service_layer.booking import Accepted, book_accepted
from services.ledger.conversions.service_layer.booking_batch import book_batch
from tests.common.ledger_booking import another, emitted, new_program, refund, rows, sale


async def _book(pool: asyncpg.Pool, events: list[Accepted], *, batch: bool) -> None:
    async with unit_of_work(pool) as tx:
        if batch:
            await book_batch(tx, events)
        else:
            for event in events:
                await book_accepted(tx, event)


def _shape(booked: list[asyncpg.Record]) -> list[tuple[Any, ...]]:
    return [(r["external_event_id"], r["type"], r["status"], r["commission_cents"],
             r["parent"] is None, r["refunded_at"] is not None) for r in booked]


async def _burst(pool: asyncpg.Pool, *, batch: bool) -> tuple[list[tuple[Any, ...]], int, int]:
    p = await new_program(pool)
    banned = await another(pool, p, status="Banned", recruited_by=p.recruiter_id)
    under_banned = await another(pool, p, status="Approved", recruited_by=banned)
    paused = await another(pool, p, status="Paused", recruited_by=p.recruiter_id)

    def of(affiliate_id: uuid.UUID, event_id: str, **kw: Any) -> AcceptedSale:
        return AcceptedSale.model_validate(
            {**sale(p, event_id, **kw), "affiliateId": str(affiliate_id)})

    first = AcceptedSale.model_validate(sale(p, "in_1"))
    await _book(pool, [AcceptedRefund.model_validate(refund(p, "in_3"))], batch=False)  # parked
    await _book(pool, [first], batch=False)  # already booked before the burst
    sixth = AcceptedSale.model_validate(sale(p, "in_6"))
    await _book(pool, [sixth], batch=False)  # booked before the burst under another id
    burst: list[Accepted] = [
        AcceptedSale.model_validate({**sale(p, "in_6"), "conversionId": str(uuid.uuid4())}),
        AcceptedSale.model_validate(sale(p, "in_2")),
        first,                                                      # a redelivery
        AcceptedRefund.model_validate(refund(p, "in_4")),           # its sale comes later
        AcceptedSale.model_validate(sale(p, "in_3")),               # its refund was parked
        AcceptedSale.model_validate(sale(p, "in_4")),
        AcceptedSale.model_validate({**sale(p, "in_2"), "conversionId": str(uuid.uuid4())}),
        AcceptedSale.model_validate(sale(p, "in_5", subscription="sub_9")),
        of(banned, "ban_1"),                       # Denied, and its override
        of(banned, "ban_2", subscription="sub_b"),  # Denied too, booked one by one
        of(under_banned, "ban_3"),                 # earns; the banned recruiter's share Denied
        of(paused, "pause_1"),                     # a Paused affiliate still earns
    ]
    await _book(pool, burst, batch=batch)
    booked = await rows(pool, p.org_id)
    created = await emitted(pool, p.org_id, "conversion.created")
    refunded = await emitted(pool, p.org_id, "conversion.refunded")
    events = await pool.fetchval(
        "SELECT count(*) FROM conversion_events e JOIN conversions c ON c.id = e.conversion_id "
        "WHERE c.org_id = $1", p.org_id)
    assert sorted(created) == sorted(str(r["id"]) for r in booked)
    return sorted(_shape(booked), key=str), len(refunded), events


async def test_a_burst_books_what_one_by_one_booking_books(pool: asyncpg.Pool) -> None:
    batched, alone = await _burst(pool, batch=True), await _burst(pool, batch=False)
    assert batched == alone
    shapes, refunded, _ = batched
    assert len(shapes) == 20 and refunded == 4  # 10 sales + 10 overrides; 2 refunded pairs
    assert sum(1 for s in shapes if s[5]) == 4
    status = {(s[0], s[4]): s[2] for s in shapes}  # (event, is the sale) -> status
    assert {k: v for k, v in status.items() if k[0].startswith(("ban", "pause"))} == {
        ("ban_1", True): "Denied", ("ban_1", False): "Denied",
        ("ban_2", True): "Denied", ("ban_2", False): "Denied",
        ("ban_3", True): "Pending", ("ban_3", False): "Denied",
        ("pause_1", True): "Pending", ("pause_1", False): "Pending"}
    assert {s[3] for s in shapes if s[0].startswith("ban") and s[4]} == {1980}  # kept
