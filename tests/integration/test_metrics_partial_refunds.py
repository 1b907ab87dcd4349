"""The dashboard follows a provider's partial refunds, on the real database: sales and refunds
booked by the real booking code, their events (as the outbox staged them) applied to the
rollups. A step lowers the sale's revenue and commission (and its override's commission) in
every grain, the sale still counted and not refunded; a redelivered or late step changes
nothing; a whole refund after it takes back only what was left; a step seen before its sale
counts the sale as it stands."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from libs.contracts import insights as ins
from libs.contracts import metrics as m
from libs.contracts.attributed import AcceptedRefund, AcceptedSale
from libs.shared.bus import Delivery
from libs.shared.uow import unit_of_work
from services.ledger.conversions.service_layer.booking_batch import book_batch
from services.ledger.conversions.service_layer.refunds import book_refund
from services.ledger.metrics.service_layer import insights, queries
from services.ledger.metrics.service_layer.apply import CREATED, REFUNDED
from tests.common.ledger_booking import T0, Program, new_program, refund, sale
from tests.integration.test_metrics_rollups import applied, delivery

STEP = m.CONVERSION_PARTIALLY_REFUNDED
SINCE = T0 - timedelta(days=1)
# Every grain a sale counts in, without the ``refunded`` counter (a whole refund raises it).
GRAINS = ("metric_days", "metric_org_days", "metric_attribution", "metric_org_attribution",
          "metric_dims", "metric_org_dims", "metric_leaders", "metric_affiliate_activity")


async def staged(pool: asyncpg.Pool, org: uuid.UUID, key: str, sale_event: str | None = None
                 ) -> list[Delivery]:
    """What the outbox staged under ``key`` for ``org`` (of one sale and its override, with
    ``sale_event``), as the metrics consumer receives it."""
    rows = await pool.fetch(
        "SELECT id, payload FROM outbox WHERE routing_key = $2 AND payload->>'orgId' = $1 "
        "ORDER BY created_at, id", str(org), key)
    bodies = [(r["id"], json.loads(r["payload"]) if isinstance(r["payload"], str)
               else r["payload"]) for r in rows]
    return [delivery(key, body, str(i)) for i, body in bodies
            if sale_event is None or _of_sale(body) == sale_event]


def _of_sale(body: dict[str, Any]) -> str:
    data = body.get("conversion") or body["data"]
    return str(data["externalEventId"])


async def book_sales(pool: asyncpg.Pool, p: Program, *names: str) -> None:
    async with unit_of_work(pool) as tx:
        await book_batch(tx, [AcceptedSale.model_validate(sale(p, n)) for n in names])


async def refund_of(pool: asyncpg.Pool, p: Program, name: str, refunded: int | None) -> None:
    """Stripe's cumulative ``amount_refunded`` of 100.00 paid (None: a whole refund)."""
    figures = {} if refunded is None else {"refundedCents": refunded, "paidCents": 10000}
    async with unit_of_work(pool) as tx:
        await book_refund(tx, AcceptedRefund.model_validate({
            **refund(p, name), "externalEventId": f"re_{name}_{refunded}", **figures}))


async def dashboard(pool: asyncpg.Pool, p: Program) -> dict[str, Any]:
    """The figures a brand reads: the overview, the summary's earnings, the leaderboard."""
    org = {"orgId": p.org_id, "since": SINCE}
    overview = await insights.overview(pool, ins.GetInsight.model_validate(
        {**org, "module": "overview"}))
    summary = await queries.summary(pool, m.GetSummary.model_validate(org))
    board = await queries.leaderboard(pool, m.GetLeaderboard.model_validate(
        {**org, "metric": "earnings"}))
    return {"sales": overview.conversions, "refunded": overview.refunded_conversions,
            "revenue": overview.gross_revenue_cents, "commission": overview.commission_cents,
            "earnings": summary.total_earnings_cents,
            "leaders": {leader.affiliate_id: leader.value for leader in board.root}}


async def refunded_so_far(pool: asyncpg.Pool, p: Program) -> dict[uuid.UUID, tuple[int, int]]:
    """Per affiliate (the seller, the recruiter): the amount and commission refunded so far."""
    rows = await pool.fetch(
        "SELECT c.affiliate_id, r.refunded_amount_cents, r.refunded_commission_cents "
        "FROM conversion_refunds r JOIN conversions c ON c.id = r.conversion_id "
        "WHERE c.org_id = $1", p.org_id)
    return {r[0]: (r[1], r[2]) for r in rows}


async def grains(pool: asyncpg.Pool, org: uuid.UUID) -> dict[str, list[tuple[Any, ...]]]:
    return {table: sorted(tuple(v for k, v in r.items() if k != "refunded")
                          for r in await pool.fetch(f"SELECT * FROM {table} WHERE org_id = $1",
                                                    org))
            for table in GRAINS}


async def test_a_step_lowers_the_dashboard_once_and_the_override_follows(pool: asyncpg.Pool
                                                                         ) -> None:
    p = await new_program(pool)
    await book_sales(pool, p, "s1")
    await applied(pool, *await staged(pool, p.org_id, CREATED))
    before = await dashboard(pool, p)
    await refund_of(pool, p, "s1", 2500)
    steps = await staged(pool, p.org_id, STEP)
    assert len(steps) == 2  # the sale's and its override's
    assert await staged(pool, p.org_id, REFUNDED) == []  # no whole refund, no webhook
    await applied(pool, *steps)
    after = await dashboard(pool, p)
    done = await refunded_so_far(pool, p)
    (amount, sold), (_, override) = done[p.affiliate_id], done[p.recruiter_id]
    assert (amount, sold > 0, override > 0) == (2475, True, True)  # a quarter of 99.00
    assert after == {
        **before, "revenue": before["revenue"] - amount,
        "commission": before["commission"] - sold - override,
        "earnings": before["earnings"] - sold - override,
        "leaders": {p.affiliate_id: before["leaders"][p.affiliate_id] - sold,
                    p.recruiter_id: before["leaders"][p.recruiter_id] - override}}
    assert (after["sales"], after["refunded"]) == (1, 0)
    held = await grains(pool, p.org_id)
    await applied(pool, *steps)  # redelivered: nothing changes
    await applied(pool, steps[0])
    assert await grains(pool, p.org_id) == held
    assert await dashboard(pool, p) == after


async def test_a_paid_sale_is_lowered_on_the_dashboard_though_its_row_keeps_it(
        pool: asyncpg.Pool) -> None:
    """A Paid commission stays on the row (the step is clawed back from the next payout): the
    dashboard counts it net, as a rebuild does."""
    p = await new_program(pool)
    await book_sales(pool, p, "s1")
    await applied(pool, *await staged(pool, p.org_id, CREATED))
    booked = await pool.fetchval("SELECT commission_cents FROM conversions WHERE org_id = $1 "
                                 "AND affiliate_id = $2", p.org_id, p.affiliate_id)
    await pool.execute("UPDATE conversions SET status = 'Paid' WHERE org_id = $1", p.org_id)
    before = await dashboard(pool, p)
    await refund_of(pool, p, "s1", 5000)
    await applied(pool, *await staged(pool, p.org_id, STEP))
    assert await pool.fetchval("SELECT commission_cents FROM conversions WHERE org_id = $1 "
                               "AND affiliate_id = $2", p.org_id, p.affiliate_id) == booked
    after = await dashboard(pool, p)
    half = (await refunded_so_far(pool, p))[p.affiliate_id][1]
    assert half == booked // 2
    assert after["leaders"][p.affiliate_id] == before["leaders"][p.affiliate_id] - half


async def test_a_whole_refund_after_steps_takes_back_only_what_was_left(pool: asyncpg.Pool
                                                                        ) -> None:
    """Two sales of one day; ``s1`` refunded in two steps, then whole: every grain holds what
    it held with ``s2`` alone (and one refunded sale), however the steps were redelivered."""
    p = await new_program(pool)
    await book_sales(pool, p, "s1", "s2")
    await applied(pool, *await staged(pool, p.org_id, CREATED, "s2"))
    only_s2 = await grains(pool, p.org_id)
    await applied(pool, *await staged(pool, p.org_id, CREATED, "s1"))
    await refund_of(pool, p, "s1", 2500)
    first = await staged(pool, p.org_id, STEP)
    await applied(pool, *first)
    await refund_of(pool, p, "s1", 6000)
    await applied(pool, *await staged(pool, p.org_id, STEP))  # the second, and the first again
    await refund_of(pool, p, "s1", None)
    whole = await staged(pool, p.org_id, REFUNDED)
    assert len(whole) == 2
    await applied(pool, *whole, *first)  # the first step, redelivered after the whole refund
    assert await grains(pool, p.org_id) == only_s2
    shown = await dashboard(pool, p)
    assert (shown["sales"], shown["refunded"], shown["revenue"]) == (1, 1, 9900)
    left = await pool.fetch("SELECT amount_cents, commission_cents, counted FROM "
                            "metric_conversions WHERE conversion_id IN (SELECT id FROM "
                            "conversions WHERE org_id = $1 AND external_event_id = 's1')",
                            p.org_id)
    assert {r["counted"] for r in left} == {False}


async def test_steps_seen_early_or_out_of_order_land_where_they_would_in_order(
        pool: asyncpg.Pool) -> None:
    """The later step arrives first, before even its sale's ``conversion.created``: the sale
    counts as it stands; its booking and the earlier step, arriving after, add nothing."""
    p = await new_program(pool)
    await book_sales(pool, p, "s1")
    await refund_of(pool, p, "s1", 2500)
    earlier = await staged(pool, p.org_id, STEP)
    await refund_of(pool, p, "s1", 5000)
    later = [d for d in await staged(pool, p.org_id, STEP) if d not in earlier]
    await applied(pool, *later)
    await applied(pool, *await staged(pool, p.org_id, CREATED), *earlier)
    shown = await dashboard(pool, p)
    assert (shown["sales"], shown["revenue"]) == (1, 9900 - 4950)
    counted = await pool.fetch("SELECT amount_cents, commission_cents FROM metric_conversions "
                               "WHERE org_id = $1 AND counted", p.org_id)
    rows = await pool.fetch("SELECT commission_cents FROM conversions WHERE org_id = $1",
                            p.org_id)
    assert len(counted) == len(rows) == 2
    # both unpaid: the rows' commissions are the lowered ones, and the dashboard's
    assert (shown["commission"] == sum(r["commission_cents"] for r in counted)
            == sum(r["commission_cents"] for r in rows))
