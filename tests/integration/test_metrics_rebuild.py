"""A day's rollup rebuild on the real database, beside the live path: sales booked by the real
booking code and counted from their events, clicks and a payout applied live; the rollups lost;
the day rebuilt from the conversions and the cells and payouts the owners would send: every
grain holds what it held. Then what is still in flight after a rebuild (a payout's
``payout.paid``, a conversion's ``conversion.created``, a refund) counts exactly once, a
rebuild and a live batch of the same org never interleave, and a day out of order is refused.
A partial refund is rebuilt net, as its step's event left it live."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from libs.contracts.attributed import AcceptedRefund, AcceptedSale
from libs.contracts.insights import GetInsight
from libs.contracts.metrics import CLICKS_ROLLED, CONVERSION_PARTIALLY_REFUNDED
from libs.contracts.metrics_rebuild import PlanRebuild, RebuildDay
from libs.contracts.payouts import PAYOUT_PAID
from libs.shared.uow import unit_of_work
from services.ledger.conversions.service_layer.booking_batch import book_batch
from services.ledger.conversions.service_layer.refunds import book_refund
from services.ledger.domain.errors import RebuildOutOfOrder
from services.ledger.metrics.adapters.rebuild_store import DAY_TABLES
from services.ledger.metrics.service_layer import insights
from services.ledger.metrics.service_layer.apply import CREATED, REFUNDED
from services.ledger.metrics.service_layer.rebuild import plan, rebuild_day
from tests.common.ledger_booking import T0, Program, new_program, refund, sale
from tests.integration.test_metric_dimensions import _created
from tests.integration.test_metrics_partial_refunds import staged
from tests.integration.test_metrics_rollups import applied, delivery

DAY = T0.date()
TABLES = [t for t, _ in DAY_TABLES if t != "metric_conversions"] + [
    "metric_affiliate_activity", "metric_customers", "metric_subscriptions"]


def _cells(p: Program, clicks: int) -> list[dict[str, Any]]:
    return [{"programId": str(p.program_id), "affiliateId": str(p.affiliate_id),
             "hour": T0.replace(hour=9).isoformat(), "referrerHost": "a.example",
             "country": "FR", "device": "Mobile", "utmSource": None, "utmMedium": None,
             "utmCampaign": None, "bot": False, "clicks": clicks}]


def _payout(p: Program, cents: int) -> dict[str, Any]:
    paid = T0.replace(hour=12)
    return {"id": str(uuid.uuid4()), "affiliateId": str(p.affiliate_id), "amountCents": cents,
            "currency": "USD", "method": "Manual", "status": "Paid", "stripeTransferId": None,
            "externalTransactionId": None, "notes": None, "failureReason": None,
            "periodStart": "2026-05-01", "periodEnd": "2026-05-09",
            "createdAt": paid.isoformat(), "paidAt": paid.isoformat(), "failedAt": None,
            "lineItems": []}


def _paid_event(p: Program, payout: dict[str, Any]) -> Any:
    return delivery(PAYOUT_PAID, {"id": str(uuid.uuid4()), "type": PAYOUT_PAID,
                                  "orgId": str(p.org_id), "createdAt": T0.isoformat(),
                                  "data": payout})


async def snapshot(pool: asyncpg.Pool, org: uuid.UUID) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    for table in TABLES:
        rows = await pool.fetch(f"SELECT * FROM {table} WHERE org_id = $1", org)
        found[table] = sorted(tuple(v for k, v in r.items() if k not in ("applied_at",))
                              for r in rows)
    found["metric_conversions"] = sorted(tuple(r) for r in await pool.fetch(
        "SELECT * FROM metric_conversions WHERE org_id = $1", org))
    return found


async def lose(pool: asyncpg.Pool, org: uuid.UUID) -> None:
    for table, _ in DAY_TABLES:
        await pool.execute(f"DELETE FROM {table} WHERE org_id = $1", org)
    await pool.execute("DELETE FROM metric_leaders WHERE org_id = $1", org)


async def rebuild(pool: asyncpg.Pool, p: Program, cells: list[dict[str, Any]],
                  payouts: list[dict[str, Any]], day: date = DAY) -> None:
    await plan(pool, PlanRebuild.model_validate({
        "orgId": p.org_id, "firstClickDay": None, "since": day, "through": day}))
    await rebuild_day(pool, RebuildDay.model_validate({
        "orgId": p.org_id, "day": day, "cells": cells, "payouts": payouts}))


async def seeded(pool: asyncpg.Pool) -> tuple[Program, dict[str, dict[str, Any]]]:
    """Three sales (with their recruiter's overrides), one refunded; 7 clicks."""
    p = await new_program(pool)
    sales = [AcceptedSale.model_validate(sale(p, f"r_{i}")) for i in range(3)]
    async with unit_of_work(pool) as tx:
        await book_batch(tx, sales)
    created = await _created(pool, p.org_id)
    refund = {**created["r_0"], "data": {**created["r_0"]["data"], "status": "Refunded"}}
    await pool.execute("UPDATE conversions SET status = 'Refunded', refunded_at = $2 "
                       "WHERE id = $1", sales[0].conversion_id, T0)
    every = await pool.fetch(  # the sales' and their overrides'
        "SELECT payload::text FROM outbox WHERE routing_key = 'conversion.created' "
        "AND payload->>'orgId' = $1", str(p.org_id))
    await applied(pool, *[delivery(CREATED, json.loads(r[0])) for r in every],
                  delivery(CLICKS_ROLLED, {"orgId": str(p.org_id), "cells": _cells(p, 7)}),
                  delivery(REFUNDED, refund))
    return p, created


async def test_a_rebuilt_day_holds_what_the_live_path_built(pool: asyncpg.Pool) -> None:
    p, _ = await seeded(pool)
    payout = _payout(p, 1500)
    event = _paid_event(p, payout)
    await applied(pool, event)
    live = await snapshot(pool, p.org_id)
    assert live["metric_days"] and live["metric_leaders"]

    await lose(pool, p.org_id)
    await rebuild(pool, p, _cells(p, 7), [payout])
    assert await snapshot(pool, p.org_id) == live

    await applied(pool, event)  # redelivered after the rebuild: counted once
    assert await snapshot(pool, p.org_id) == live


async def test_what_is_in_flight_during_a_rebuild_counts_once(pool: asyncpg.Pool) -> None:
    p, _ = await seeded(pool)
    expected_after = await snapshot(pool, p.org_id)
    payout = _payout(p, 2500)
    in_flight = _paid_event(p, payout)  # paid, its event not yet applied
    await rebuild(pool, p, _cells(p, 7), [payout])
    await applied(pool, in_flight)
    assert await pool.fetchval("SELECT sum(payouts_cents) FROM metric_org_days "
                               "WHERE org_id = $1", p.org_id) == 2500
    rebuilt = await snapshot(pool, p.org_id)
    assert rebuilt["metric_conversions"] == expected_after["metric_conversions"]
    refund = await _created(pool, p.org_id)  # the refund's event arrives again: no change
    body = {**refund["r_0"], "data": {**refund["r_0"]["data"], "status": "Refunded"}}
    await applied(pool, delivery(REFUNDED, body))
    assert await snapshot(pool, p.org_id) == rebuilt


async def test_a_live_batch_and_a_rebuild_of_the_org_do_not_interleave(pool: asyncpg.Pool
                                                                       ) -> None:
    p, _ = await seeded(pool)
    live = await snapshot(pool, p.org_id)
    more = delivery(CLICKS_ROLLED, {"orgId": str(p.org_id), "cells": _cells(p, 5)})
    # the rebuild is sent the 7 clicks it found; 5 more arrive live meanwhile, in either order
    await asyncio.gather(rebuild(pool, p, _cells(p, 7), []), applied(pool, more))
    clicks = await pool.fetchval("SELECT sum(clicks) FROM metric_org_days WHERE org_id = $1 "
                                 "AND day = $2", p.org_id, DAY)
    assert clicks in (7, 12)  # rebuilt first then +5, or +5 then replaced by the 7 it was sent
    assert (await snapshot(pool, p.org_id))["metric_conversions"] == live["metric_conversions"]
    leaders = await pool.fetch("SELECT span, sum(clicks) FROM metric_leaders WHERE org_id = $1 "
                               "GROUP BY span ORDER BY span", p.org_id)
    assert [tuple(r) for r in leaders] == [(1, clicks), (7, clicks)]


async def test_a_day_out_of_order_is_refused_and_a_plan_resumes(pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    first = await plan(pool, PlanRebuild.model_validate({
        "orgId": p.org_id, "firstClickDay": None, "since": DAY, "through": DAY + timedelta(1)}))
    assert (first.next_day, first.resumed) == (DAY, False)
    with pytest.raises(RebuildOutOfOrder):
        await rebuild_day(pool, RebuildDay.model_validate({
            "orgId": p.org_id, "day": DAY + timedelta(1), "cells": [], "payouts": []}))
    done = await rebuild_day(pool, RebuildDay.model_validate({
        "orgId": p.org_id, "day": DAY, "cells": [], "payouts": []}))
    assert done.next_day == DAY + timedelta(1)
    again = await plan(pool, PlanRebuild.model_validate({
        "orgId": p.org_id, "firstClickDay": None, "through": datetime.now(UTC).date()}))
    assert (again.first_day, again.next_day, again.resumed) == (DAY, DAY + timedelta(1), True)


async def test_a_partial_refund_is_rebuilt_as_the_live_path_holds_it(pool: asyncpg.Pool
                                                                     ) -> None:
    """A provider's partial refund lowers the sale's figures live (its step's event), and a
    rebuild counts them net of the refunds: the same rows, after the step and after a whole
    refund that follows it."""
    p, _ = await seeded(pool)
    before = await _overview(pool, p)
    async with unit_of_work(pool) as tx:
        await book_refund(tx, AcceptedRefund.model_validate(
            {**refund(p, "r_1"), "refundedCents": 2500, "paidCents": 10000}))
    await applied(pool, *await staged(pool, p.org_id, CONVERSION_PARTIALLY_REFUNDED))
    lowered = await pool.fetchval(
        "SELECT sum(r.refunded_commission_cents) FROM conversions c JOIN conversion_refunds r "
        "ON r.conversion_id = c.id WHERE c.org_id = $1 AND c.external_event_id = 'r_1'",
        p.org_id)
    assert lowered > 0
    await _rebuilt_as_live(pool, p)
    assert await _overview(pool, p) == (before[0], before[1] - 2475, before[2] - lowered, 1)

    async with unit_of_work(pool) as tx:
        await book_refund(tx, AcceptedRefund.model_validate(refund(p, "r_1")))
    await applied(pool, *await staged(pool, p.org_id, REFUNDED))
    await _rebuilt_as_live(pool, p)
    after = await _overview(pool, p)
    assert (after[0], after[1], after[3]) == (before[0] - 1, before[1] - 9900, 2)


async def test_a_step_in_flight_during_a_rebuild_lowers_nothing_twice(pool: asyncpg.Pool
                                                                      ) -> None:
    p, _ = await seeded(pool)
    async with unit_of_work(pool) as tx:
        await book_refund(tx, AcceptedRefund.model_validate(
            {**refund(p, "r_1"), "refundedCents": 2500, "paidCents": 10000}))
    await rebuild(pool, p, _cells(p, 7), [])  # counts the sale net of the step
    rebuilt = await snapshot(pool, p.org_id)
    await applied(pool, *await staged(pool, p.org_id, CONVERSION_PARTIALLY_REFUNDED))
    assert await snapshot(pool, p.org_id) == rebuilt


async def _rebuilt_as_live(pool: asyncpg.Pool, p: Program) -> None:
    live = await snapshot(pool, p.org_id)
    await lose(pool, p.org_id)
    await rebuild(pool, p, _cells(p, 7), [])
    assert await snapshot(pool, p.org_id) == live


async def _overview(pool: asyncpg.Pool, p: Program) -> tuple[int, int, int, int]:
    """Sales, gross revenue, commission and refunded sales, as the dashboard shows them."""
    shown = await insights.overview(pool, GetInsight.model_validate(
        {"orgId": p.org_id, "since": T0 - timedelta(days=1), "module": "overview"}))
    return (shown.conversions, shown.gross_revenue_cents, shown.commission_cents,
            shown.refunded_conversions)
