"""The coarser rollup grains (migration 0017) against the per-affiliate day table they are
derived from, on the real database: random clicks, sales in two currencies, refunds and payouts
over 60 days, written through the real write path in several batches; then every org-wide
read, and the leaderboard's totals for every window start, must equal the sums of the fine
table (with each foreign day's commission at that day's rate)."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

import asyncpg

from libs.contracts.metrics import ClickCell, ClicksRolled, RankBy
from libs.contracts.payouts import PayoutResponse
from libs.shared.uow import unit_of_work
from services.ledger.metrics.adapters.reads import EPC, RANKABLE, Reads, Scope
from services.ledger.metrics.adapters.rollups import Rollups
from services.ledger.metrics.domain.rollup import COLUMNS, Deltas, Fact
from services.ledger.metrics.service_layer.queries import (
    Money,
    affiliate_totals,
    board_of,
    rank_value,
)

TODAY = datetime.now(UTC).date()
DAYS = 60


def _fact(rng: random.Random, org: uuid.UUID, program: uuid.UUID, affiliate: uuid.UUID
          ) -> Fact:
    cents = rng.randrange(1000, 50000)
    return Fact(uuid.uuid4(), org, TODAY - timedelta(days=rng.randrange(DAYS)), program,
                affiliate, rng.choice(["USD", "USD", "EUR"]), sale=rng.random() < 0.9,
                lead=False, recurring=False, subscription_id=None, repeat_customer=False,
                kind=rng.choice(["Coupon", "Link", "Other"]), amount_cents=cents,
                commission_cents=cents // 5, counted=True)


def _clicks(rng: random.Random, org: uuid.UUID, programs: list[uuid.UUID],
            affiliates: list[uuid.UUID]) -> ClicksRolled:
    cells = [ClickCell.model_validate({
        "programId": rng.choice(programs), "affiliateId": rng.choice(affiliates),
        "hour": datetime.combine(TODAY - timedelta(days=rng.randrange(DAYS)),
                                 time(rng.randrange(24)), UTC),
        "referrerHost": rng.choice([None, "a.example", "b.example"]), "country": "FR",
        "device": "Desktop", "utmSource": None, "utmMedium": None, "utmCampaign": None,
        "bot": rng.random() < 0.1, "clicks": rng.randrange(1, 9)}) for _ in range(40)]
    return ClicksRolled.model_validate({"orgId": org, "cells": cells})


async def _seed(pool: asyncpg.Pool, org: uuid.UUID) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    rng = random.Random(20)
    programs, affiliates = [uuid.uuid4(), uuid.uuid4()], [uuid.uuid4() for _ in range(12)]
    for day in range(DAYS + 7):
        await pool.execute("INSERT INTO fx_rates (day, currency, per_eur, source) VALUES "
                           "($1, 'USD', $2, 'ecb') ON CONFLICT DO NOTHING",
                           TODAY - timedelta(days=day), Decimal("1.05") + Decimal(day) / 1000)
    for _ in range(5):  # batches, so rows merge into existing ones too
        deltas = Deltas()
        facts = [_fact(rng, org, rng.choice(programs), rng.choice(affiliates))
                 for _ in range(60)]
        for f in facts:
            deltas.count(f, +1)
        for f in facts[:6]:  # refunds take back
            deltas.count(f, -1, refund=True)
        deltas.clicks(_clicks(rng, org, programs, affiliates))
        paid = datetime.now(UTC)  # only the fields a payout's rollup reads
        deltas.payout(org, PayoutResponse.model_construct(
            affiliate_id=affiliates[0], amount_cents=700, currency="USD", paid_at=paid,
            created_at=paid))
        async with unit_of_work(pool) as tx:
            await Rollups(tx.conn).write(deltas)
    return programs, affiliates


async def test_org_wide_reads_equal_the_sums_of_the_per_affiliate_rows(pool: asyncpg.Pool
                                                                       ) -> None:
    org = uuid.uuid4()
    programs, _ = await _seed(pool, org)
    first = TODAY - timedelta(days=DAYS)
    async with pool.acquire() as conn:
        reads = Reads(conn)
        for program in (None, programs[0]):
            program_sql = "" if program is None else " AND program_id = $4"
            args = [org, first, TODAY, *([] if program is None else [program])]
            fine = await conn.fetch(
                f"SELECT day, currency, {', '.join(f'sum({c})::bigint AS {c}' for c in COLUMNS)}"
                f" FROM metric_days WHERE org_id = $1 AND day BETWEEN $2 AND $3{program_sql} "
                "GROUP BY day, currency ORDER BY day, currency", *args)
            coarse = await reads.by_day(Scope(org, first, TODAY, program))
            assert sorted(map(tuple, coarse)) == sorted(map(tuple, fine)) and fine
            fine_sources = await conn.fetch(
                "SELECT source, sum(clicks)::bigint FROM metric_sources WHERE org_id = $1 AND "
                f"day BETWEEN $2 AND $3{program_sql} GROUP BY source", *args)
            coarse_sources = await reads.sources(Scope(org, first, TODAY, program))
            assert sorted(map(tuple, coarse_sources)) == sorted(map(tuple, fine_sources))
            fine_kinds = await conn.fetch(
                "SELECT kind, day, currency, sum(conversions)::bigint, "
                "sum(revenue_cents)::bigint, sum(commission_cents)::bigint FROM "
                "metric_attribution WHERE org_id = $1 AND day BETWEEN $2 AND $3"
                f"{program_sql} GROUP BY kind, day, currency", *args)
            coarse_kinds = await reads.by_kind(Scope(org, first, TODAY, program))
            assert sorted(map(tuple, coarse_kinds)) == sorted(map(tuple, fine_kinds))


async def test_the_leaderboard_totals_match_the_day_rows_for_every_window(
        pool: asyncpg.Pool) -> None:
    org = uuid.uuid4()
    programs, _ = await _seed(pool, org)
    async with pool.acquire() as conn:
        for since in range(DAYS + 3):
            first = TODAY - timedelta(days=since)
            for program in (None, programs[1]):
                totals = await affiliate_totals(conn, org, first, TODAY, program)
                assert totals == await _from_day_rows(conn, org, first, program)
                board = await board_of(conn, org, first, TODAY, program)
                for metric in RANKABLE:
                    top = await Reads(conn).leaders(replace(board, rank_by=metric, limit=5))
                    value = partial(rank_value, RankBy(metric))
                    assert [(r["affiliate_id"], value(r["clicks"], r["conversions"],
                                                      r["earnings"])) for r in top] == sorted(
                        ((a, value(*t)) for a, t in totals.items()
                         if metric != "epc" or t[0] > 0),
                        key=lambda at: (-at[1], str(at[0])))[:5]
        assert await Reads(conn).active_affiliates(org, TODAY - timedelta(days=DAYS)) == \
            await conn.fetchval(
                "SELECT count(DISTINCT affiliate_id) FROM metric_days WHERE org_id = $1 "
                "AND program_id <> $2 AND (clicks > 0 OR conversions > 0 OR leads > 0 "
                "OR refunded > 0)",
                org, uuid.UUID(int=0))


async def _from_day_rows(conn: asyncpg.Connection, org: uuid.UUID, first: date,
                         program: uuid.UUID | None) -> dict[uuid.UUID, list[int]]:
    rows = await conn.fetch(
        "SELECT affiliate_id, day, currency, sum(clicks)::bigint AS clicks, "
        "sum(conversions)::bigint AS conversions, sum(commission_cents)::bigint AS "
        "commission_cents FROM metric_days WHERE org_id = $1 AND day BETWEEN $2 AND $3 "
        "AND program_id <> $4 AND ($5::uuid IS NULL OR program_id = $5) "
        "GROUP BY affiliate_id, day, currency", org, first, TODAY, uuid.UUID(int=0), program)
    money = await Money.load(conn, org, [(r["day"], r["currency"]) for r in rows])
    totals: dict[uuid.UUID, list[int]] = {}
    for r in rows:
        if not (r["clicks"] or r["conversions"] or r["commission_cents"]):
            continue
        t = totals.setdefault(r["affiliate_id"], [0, 0, 0])
        t[0] += r["clicks"]
        t[1] += r["conversions"]
        t[2] += money.home_cents(r["day"], r["currency"], r["commission_cents"])
    return totals


async def test_foreign_commission_rounds_half_away_from_zero_as_normalize_does(
        pool: asyncpg.Pool) -> None:
    """One euro cent is 1.5 US cents at a rate of 1.5: the database's rounding of each
    (affiliate, day) sum must be ``normalize``'s, halves away from zero, negatives too."""
    org, program = uuid.uuid4(), uuid.uuid4()
    day = date(2001, 1, 3)  # its own rate: no other test writes one this old
    await pool.execute("INSERT INTO fx_rates (day, currency, per_eur, source) VALUES "
                       "($1, 'USD', 1.5, 'ecb') ON CONFLICT DO NOTHING", day)
    cents = {uuid.uuid4(): c for c in (1, 3, -1, -3, 7, 2)}
    deltas = Deltas()
    for affiliate, commission in cents.items():
        fact = Fact(uuid.uuid4(), org, day, program, affiliate, "EUR", sale=True, lead=False,
                    recurring=False, subscription_id=None, repeat_customer=False, kind="Link",
                    amount_cents=abs(commission) * 5, commission_cents=abs(commission),
                    counted=True)
        deltas.count(fact, 1 if commission > 0 else -1)
    async with unit_of_work(pool) as tx:
        await Rollups(tx.conn).write(deltas)
    async with pool.acquire() as conn:
        totals = await affiliate_totals(conn, org, day, day + timedelta(days=9), None)
        money = await Money.load(conn, org, [(day, "EUR")])
    assert {a: t[2] for a, t in totals.items()} == {
        a: money.home_cents(day, "EUR", c) for a, c in cents.items()}
    assert sorted(t[2] for t in totals.values()) == [-5, -2, 2, 3, 5, 11]


async def test_the_databases_epc_rounds_as_python_rounds(pool: asyncpg.Pool) -> None:
    """The leaderboard ranks epc in SQL: its value must be ``round(earnings / clicks)``,
    halves to even, for negative earnings too."""
    rng = random.Random(7)
    pairs = [(e, c) for c in (1, 2, 3, 4, 7, 10) for e in range(-25, 26)]
    pairs += [(rng.randrange(-10**9, 10**9), rng.randrange(1, 10**5)) for _ in range(500)]
    rows = await pool.fetch(
        f"SELECT earnings, clicks, {EPC} AS epc FROM unnest($1::bigint[], $2::bigint[]) "
        "AS v (earnings, clicks)", [e for e, _ in pairs], [c for _, c in pairs])
    assert [(r["earnings"], r["clicks"], r["epc"]) for r in rows] == [
        (e, c, round(e / c)) for e, c in pairs]
