"""The dashboard bench's data set: deterministic, of the asked size, shaped like traffic, and
fed to the rollups as the product's own code would feed them."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bench import dashboard_sales as sales
from bench.dashboard_data import Clicks, Ids, Shape, per_hour, start_of
from bench.dashboard_seed import by_utc_day
from libs.contracts.conversions import ConversionResponse
from libs.contracts.metrics import ClicksRolled
from services.ledger.metrics.domain.rollup import fact_of
from services.tracking.domain.click_rollup import AT, roll_up

SHAPE = Shape(affiliates=200, clicks=30_000, conversions=6_000)
ANCHOR = datetime(2025, 3, 14, 9, tzinfo=UTC)
ORG, PROGRAM = uuid.UUID(int=1), uuid.UUID(int=2)


@pytest.fixture(scope="module")
def ids() -> Ids:
    return Ids.of(ORG, PROGRAM, SHAPE.affiliates)


@pytest.fixture(scope="module")
def clicks(ids: Ids) -> list:
    return [r for hour in Clicks(SHAPE, ids, ANCHOR).hours() for r in hour.rows]


@pytest.fixture(scope="module")
def conversions(ids: Ids) -> tuple[list, sales.Sales]:
    generator = sales.Sales(SHAPE, ids, ANCHOR)
    return [r for _, hour in generator.hours() for r in hour], generator


def test_the_same_seed_anchor_and_org_give_the_same_rows(ids: Ids, clicks: list,
                                                         conversions: tuple) -> None:
    assert [r for h in Clicks(SHAPE, ids, ANCHOR).hours() for r in h.rows] == clicks
    assert [r for _, h in sales.Sales(SHAPE, ids, ANCHOR).hours() for r in h] == conversions[0]
    other = Shape(affiliates=200, clicks=30_000, conversions=6_000, seed=7)
    assert [r for h in Clicks(other, ids, ANCHOR).hours() for r in h.rows] != clicks


def test_counts_and_times_are_the_asked_ones(clicks: list, conversions: tuple) -> None:
    rows = conversions[0]
    assert len(clicks) == SHAPE.clicks and len(rows) == SHAPE.conversions
    start = start_of(SHAPE, ANCHOR)
    assert all(start <= r[AT] < ANCHOR for r in clicks)
    assert all(start <= r[sales.CREATED] < ANCHOR for r in rows)
    assert len({r[sales.ID] for r in rows}) == len(rows)
    assert len({r[sales.EXTERNAL] for r in rows}) == len(rows)
    assert per_hour(10, [1.0, 1.0, 1.0]) == [4, 3, 3]
    assert sum(per_hour(SHAPE.clicks, [0.3, 1.7, 2.9] * 100)) == SHAPE.clicks


def test_traffic_is_skewed_over_affiliates_and_follows_the_clock(ids: Ids, clicks: list) -> None:
    by_affiliate = Counter(r[2] for r in clicks)
    ranked = [n for _, n in by_affiliate.most_common()]
    assert by_affiliate[ids.affiliates[0]] == ranked[0]  # rank 0 is the busiest
    assert 0.15 < sum(ranked[:2]) / len(clicks) < 0.35  # Zipf: 1 + 1/2 of H(200) = 0.26
    assert len(by_affiliate) > 190
    direct = sum(r[6] is None for r in clicks) / len(clicks)
    bots = sum(r[15] for r in clicks) / len(clicks)
    assert 0.22 < direct < 0.34 and 0.015 < bots < 0.05
    assert len({r[6] for r in clicks}) <= 51
    assert all((r[13] == "Bot") == r[15] for r in clicks)
    by_hour = Counter(r[AT].hour for r in clicks)
    assert by_hour[15] > 1.8 * by_hour[3]  # afternoon UTC busier than the night


def test_the_mix_and_lifecycle_of_conversions(conversions: tuple) -> None:
    rows, generator = conversions
    kinds = Counter(r[sales.TYPE] for r in rows)
    assert 0.04 < kinds["LeadReward"] / len(rows) < 0.08
    assert 0.1 < kinds["Recurring"] / len(rows) < 0.4
    sale_rows = [r for r in rows if r[sales.TYPE] != "LeadReward"]
    share = Counter(r[sales.STATUS] for r in sale_rows)
    assert 0.035 < share["Refunded"] / len(sale_rows) < 0.065
    assert all(share[s] > 0 for s in ("Denied", "Pending", "Approved", "Paid"))
    assert 0.07 < sum(r[sales.CURRENCY] == "EUR" for r in sale_rows) / len(sale_rows) < 0.13
    assert all((r[sales.SUBSCRIPTION] is not None) == (r[sales.TYPE] == "Recurring")
               for r in rows)
    assert Counter(r[sales.METHOD] for r in sale_rows)["coupon"] > 0
    for r in sale_rows:
        assert r[sales.COMMISSION] == sales.commission_of(r[sales.AMOUNT])
        if r[sales.STATUS] == "Pending":
            assert r[sales.APPROVE_AFTER] > ANCHOR
        if r[sales.STATUS] == "Paid":
            assert datetime.combine(sales.payout_day(r[sales.APPROVE_AFTER]),
                                    sales.PAYOUT_AT) <= ANCHOR
    customers = Counter(r[sales.CUSTOMER] for r in sale_rows if r[sales.TYPE] == "OneTime")
    assert any(n > 1 for n in customers.values())  # returning customers
    paid = sum(r[sales.COMMISSION] for r in rows if r[sales.STATUS] == "Paid")
    assert sum(generator.paid.values()) == paid


def test_the_roll_up_is_trackings_own(ids: Ids) -> None:
    clicks = Clicks(SHAPE, ids, ANCHOR)
    for hour in list(clicks.hours())[1000:1003]:
        mine = clicks.rolled(hour)
        theirs = ClicksRolled.model_validate({"orgId": str(ORG),
                                              "cells": roll_up(hour.rows)[ORG]})
        assert mine.org_id == theirs.org_id
        assert _cells(mine) == _cells(theirs)
        assert sum(c.clicks for c in mine.cells) == len(hour.rows)
        assert ClicksRolled.model_validate(mine.model_dump(by_alias=True)) == mine


def _cells(event: ClicksRolled) -> list[str]:
    return sorted(json.dumps(c.model_dump(mode="json"), sort_keys=True) for c in event.cells)


def test_a_booked_fact_is_what_the_consumer_makes_of_conversion_created(
        conversions: tuple) -> None:
    for row in conversions[0][:300]:
        created = ConversionResponse.model_validate(
            {**sales.as_booked(row).model_dump(by_alias=True, mode="json")})
        assert sales.booked_fact(row) == fact_of(ORG, created)
        assert created.status.value == "Pending" and created.refunded_at is None


def test_payouts_and_rates_cover_the_period(ids: Ids, conversions: tuple) -> None:
    _, generator = conversions
    payouts = sales.payouts(ids, generator.paid)
    assert sum(p.amount_cents for p in payouts) == sum(generator.paid.values())
    assert all(p.paid_at is not None and p.paid_at <= ANCHOR for p in payouts)
    assert all(p.paid_at.isoweekday() == 1 for p in payouts if p.paid_at)
    rates = sales.fx_rates(SHAPE, ANCHOR)
    assert rates[0].day <= start_of(SHAPE, ANCHOR).date() - timedelta(days=3)
    assert rates[-1].day <= ANCHOR.date()
    assert all(r.day.isoweekday() <= 5 and r.currency == "USD" for r in rates)


def test_seeding_goes_by_whole_utc_days(ids: Ids) -> None:
    """A run of bookings ends with a UTC day, so 'first sale' means the same to the rollups
    (by day, then id) as to the raw statement."""
    hours = list(Clicks(SHAPE, ids, ANCHOR).hours())  # from 09:00 UTC, 90 days ago
    days = list(by_utc_day(iter(hours), lambda hour: hour.start))
    assert [len(d) for d in days] == [15] + [24] * 89 + [9]
    assert all(len({h.start.date() for h in d}) == 1 for d in days)
