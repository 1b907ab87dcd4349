"""Subscriptions the provider ended, from the real bus into the recurring insight's churn count:
each subscription churns once, on the earlier of its explicit end and the day its charges are
inferred to have stopped; redeliveries change nothing; an end that overtakes its first sale
counts once the sale is counted; a rollup rebuild keeps the ends."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from libs.contracts.attributed import SUBSCRIPTION_ENDED, AcceptedSale
from libs.contracts.insights import GetInsight
from libs.shared.settings import Settings
from services.ledger.metrics.adapters.reads import Reads, Scope
from services.ledger.metrics.adapters.rollups import CHURN_DAYS
from services.ledger.metrics.entrypoints import subscription_ends
from services.ledger.metrics.service_layer.apply import CREATED
from services.ledger.metrics.service_layer.insights import recurring
from tests.common.ledger_booking import T0, Program, book, new_program, sale
from tests.common.ledger_consumers import Ledger, ledger_consumers
from tests.integration.test_metrics_rebuild import rebuild
from tests.integration.test_metrics_rollups import applied, delivery

D0 = T0.date()


@pytest.fixture(scope="module")
async def ends(pool: asyncpg.Pool, settings: Settings) -> AsyncIterator[Ledger]:
    async with ledger_consumers(pool, settings, {
            subscription_ends.QUEUE: subscription_ends.subscribe_subscription_ends}) as found:
        yield found[subscription_ends.QUEUE]


def ended(p: Program, subscription: str, day: date) -> dict[str, Any]:
    at = datetime(day.year, day.month, day.day, 18, tzinfo=UTC)
    return {"orgId": str(p.org_id), "subscriptionId": subscription, "endedAt": at.isoformat()}


async def charged(pool: asyncpg.Pool, p: Program, subscription: str, day: date) -> None:
    """A subscription's first sale on ``day``, booked and counted by the rollups."""
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    event_id = f"in_{subscription}"
    await book(pool, AcceptedSale.model_validate(sale(p, event_id, subscription=subscription,
                                                      at=at)))
    found = await pool.fetch(
        "SELECT payload::text FROM outbox WHERE routing_key = 'conversion.created' "
        "AND payload->>'orgId' = $1 AND payload->'data'->>'externalEventId' = $2",
        str(p.org_id), event_id)
    await applied(pool, *[delivery(CREATED, json.loads(r[0])) for r in found])


async def churned(pool: asyncpg.Pool, p: Program, first: int, last: int) -> int:
    """Churned subscriptions from ``D0 + first`` to ``D0 + last`` days."""
    async with pool.acquire() as conn:
        return await Reads(conn).churned(
            Scope(p.org_id, D0 + timedelta(first), D0 + timedelta(last)))


async def test_each_subscription_churns_once_on_its_earlier_day(
        pool: asyncpg.Pool, ends: Ledger) -> None:
    p = await new_program(pool)
    for subscription in ("sub_early", "sub_late", "sub_lapsed"):
        await charged(pool, p, subscription, D0)
    # Ended before its inferred churn; ended after it; never ended (inferred only).
    await ends.deliver(SUBSCRIPTION_ENDED, ended(p, "sub_early", D0 + timedelta(10)),
                       ended(p, "sub_late", D0 + timedelta(CHURN_DAYS + 1)))
    assert await churned(pool, p, 5, 20) == 1  # sub_early, on its end day
    assert await churned(pool, p, 30, 40) == 2  # sub_late and sub_lapsed, inferred
    assert await churned(pool, p, CHURN_DAYS + 1, 40) == 0  # sub_late's end: counted already
    assert await churned(pool, p, 0, 60) == 3
    since = datetime(D0.year, D0.month, D0.day, tzinfo=UTC)
    insight = await recurring(pool, GetInsight.model_validate({
        "orgId": p.org_id, "module": "recurring", "since": since,
        "until": since + timedelta(61)}))
    assert insight.churned_subscriptions == 3


async def test_redelivered_ends_change_nothing_and_the_earlier_end_stays(
        pool: asyncpg.Pool, ends: Ledger) -> None:
    p = await new_program(pool)
    await charged(pool, p, "sub_again", D0)
    body = ended(p, "sub_again", D0 + timedelta(10))
    await ends.deliver(SUBSCRIPTION_ENDED, body, body, ended(p, "sub_again", D0 + timedelta(15)))
    await ends.deliver(SUBSCRIPTION_ENDED, body)
    assert await churned(pool, p, 0, 60) == 1
    assert await churned(pool, p, 10, 10) == 1
    assert await pool.fetchval("SELECT end_day FROM subscription_ends WHERE org_id = $1",
                               p.org_id) == D0 + timedelta(10)


async def test_an_end_before_its_sale_counts_once_the_sale_is_counted_and_survives_a_rebuild(
        pool: asyncpg.Pool, ends: Ledger) -> None:
    p, stranger = await new_program(pool), await new_program(pool)
    await ends.deliver(SUBSCRIPTION_ENDED, ended(p, "sub_first", D0 + timedelta(12)),
                       ended(stranger, "sub_other", D0 + timedelta(12)))
    assert await churned(pool, p, 0, 20) == 0  # nothing the rollups saw
    await charged(pool, p, "sub_first", D0)
    assert await churned(pool, p, 0, 20) == 1
    await charged(pool, stranger, "sub_other_sale", D0)  # another org's ends stay its own
    assert await churned(pool, stranger, 0, 20) == 0
    await rebuild(pool, p, [], [], D0)
    assert await churned(pool, p, 0, 20) == 1
