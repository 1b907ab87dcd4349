"""The click-dimension rollups (migrations 0020, 0022) on the real database: a sale's originating
click and its link are stored with its booking (``conversion_origins``, ``conversion_links``)
and counted from ``conversion.created``
once however often it is delivered; a refund or a denial takes back exactly what the sale
added; and the org-wide twin equals the sums of the per-affiliate rows."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from libs.contracts.attributed import AcceptedSale
from libs.contracts.metrics import CLICKS_ROLLED, CONVERSIONS_DENIED, ClickCell, ClicksRolled
from libs.shared.migrations import load_migrations, migrate_schema
from libs.shared.settings import Settings
from libs.shared.uow import unit_of_work
from services.ledger.conversions.service_layer.booking_batch import book_batch
from services.ledger.metrics.adapters.reads import Reads, Scope
from services.ledger.metrics.adapters.rollups import Rollups
from services.ledger.metrics.domain.rollup import Deltas, Fact
from services.ledger.metrics.service_layer.apply import CREATED, REFUNDED
from tests.common.ledger_booking import T0, new_program, sale
from tests.integration.test_metrics_rollups import applied, delivery

U, N = "(unknown)", "(none)"
SUNDAY_16 = "16"  # T0 is Sunday 2026-05-10 16:00 UTC: hour of week 0 x 24 + 16


def _origin(**fields: Any) -> dict[str, Any]:
    return {"referrerHost": None, "country": "unknown", "deviceClass": "Desktop",
            "utmSource": None, "utmMedium": None, "utmCampaign": None, **fields}


async def _dims(pool: asyncpg.Pool, org: uuid.UUID) -> dict[tuple[str, str], tuple[int, ...]]:
    rows = await pool.fetch(
        "SELECT dimension, value, sum(clicks)::bigint, sum(conversions)::bigint, "
        "sum(revenue_cents)::bigint, sum(commission_cents)::bigint FROM metric_dims "
        "WHERE org_id = $1 GROUP BY dimension, value", org)
    return {(r[0], r[1]): (r[2], r[3], r[4], r[5]) for r in rows if any(r[2:])}


def _earning(expected: dict[tuple[str, str], tuple[int, int, int]], commission: int
             ) -> dict[tuple[str, str], tuple[int, ...]]:
    """(clicks, sales, revenue) rows with their sales' commission (every sale earns the
    same here)."""
    return {key: (*sums, sums[1] * commission) for key, sums in expected.items()}


async def _created(pool: asyncpg.Pool, org: uuid.UUID) -> dict[str, dict[str, Any]]:
    """The ``conversion.created`` bodies booking staged, by external event id (sales only)."""
    rows = await pool.fetch(
        "SELECT payload FROM outbox WHERE routing_key = 'conversion.created' "
        "AND payload->>'orgId' = $1", str(org))
    bodies = [json.loads(r[0]) if isinstance(r[0], str) else r[0] for r in rows]
    return {b["data"]["externalEventId"]: b for b in bodies
            if b["data"]["parentAffiliateConversionId"] is None}


async def test_a_sales_origin_counts_once_and_a_refund_or_denial_takes_it_back(
        pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    clicked = T0 - timedelta(hours=2)
    s1 = AcceptedSale.model_validate({**sale(p, "o_1"), "linkSlug": "jane", "origin": _origin(
        referrerHost="youtube.com", country="DE", deviceClass="Mobile", utmSource="yt",
        utmCampaign="spring", subId="ig", clickedAt=clicked.isoformat())})
    s2 = AcceptedSale.model_validate(sale(p, "o_2"))  # no originating click
    s3 = AcceptedSale.model_validate({  # a subscription's sale: booked one by one
        **sale(p, "o_3", subscription="sub_o"),
        "origin": _origin(clickedAt=(T0 - timedelta(days=3)).isoformat())})
    async with unit_of_work(pool) as tx:
        await book_batch(tx, [s1, s2, s3])
    stored = await pool.fetch("SELECT conversion_id, referrer_host, country, clicked_at "
                              "FROM conversion_origins WHERE org_id = $1 ORDER BY clicked_at",
                              p.org_id)
    assert [tuple(r) for r in stored] == [(s3.conversion_id, None, "unknown", T0 - timedelta(
        days=3)), (s1.conversion_id, "youtube.com", "DE", clicked)]
    assert await pool.fetchval("SELECT array_agg(sub_id ORDER BY clicked_at) FROM "
                               "conversion_origins WHERE org_id = $1", p.org_id) == [None, "ig"]
    assert [tuple(r) for r in await pool.fetch(
        "SELECT conversion_id, slug FROM conversion_links WHERE org_id = $1", p.org_id)] == [
        (s1.conversion_id, "jane")]

    created = await _created(pool, p.org_id)
    sales = [delivery(CREATED, created[k]) for k in ("o_1", "o_2", "o_3")]
    clicks = delivery(CLICKS_ROLLED, {"orgId": str(p.org_id), "cells": [
        {"programId": str(p.program_id), "affiliateId": str(p.affiliate_id),
         "hour": clicked.replace(minute=0).isoformat(), "referrerHost": "youtube.com",
         "country": "DE", "device": "Mobile", "utmSource": "yt", "utmMedium": None,
         "utmCampaign": "spring", "bot": False, "clicks": 3, "slug": "jane",
         "subId": "ig"},
        {"programId": str(p.program_id), "affiliateId": str(p.affiliate_id),
         "hour": clicked.isoformat(), "referrerHost": None, "country": "US",
         "device": "Bot", "utmSource": None, "utmMedium": None, "utmCampaign": None,
         "bot": True, "clicks": 2, "slug": "jane"}]})
    await applied(pool, clicks, *sales)
    await applied(pool, clicks, *sales)  # redelivered: nothing changes
    c, k = 9900, 1980  # each sale and its commission (20%)
    both = {("hour", SUNDAY_16): (0, 3, 3 * c), ("hour", "14"): (3, 0, 0),
            ("device", "Bot"): (2, 0, 0)}
    assert await _dims(pool, p.org_id) == _earning({
        **both,
        ("source", "youtube.com"): (3, 1, c), ("source", "(direct)"): (0, 1, c),
        ("source", U): (0, 1, c),
        ("country", "DE"): (3, 1, c), ("country", U): (0, 2, 2 * c),
        ("device", "Mobile"): (3, 1, c), ("device", "Desktop"): (0, 1, c),
        ("device", U): (0, 1, c),
        ("utm_source", "yt"): (3, 1, c), ("utm_source", N): (0, 1, c),
        ("utm_source", U): (0, 1, c),
        ("utm_medium", N): (3, 2, 2 * c), ("utm_medium", U): (0, 1, c),
        ("utm_campaign", "spring"): (3, 1, c), ("utm_campaign", N): (0, 1, c),
        ("utm_campaign", U): (0, 1, c),
        ("delay", "1-24h"): (0, 1, c), ("delay", "1-7d"): (0, 1, c), ("delay", U): (0, 1, c),
        ("link", "jane"): (3, 1, c), ("link", U): (0, 2, 2 * c),
        ("channel", "ig"): (3, 1, c), ("channel", N): (0, 1, c), ("channel", U): (0, 1, c)}, k)

    refund = {**created["o_1"], "data": {**created["o_1"]["data"], "status": "Refunded"}}
    denial = delivery(CONVERSIONS_DENIED, {"orgId": str(p.org_id),
                                           "conversionIds": [str(s3.conversion_id)]})
    await applied(pool, delivery(REFUNDED, refund), denial)
    await applied(pool, delivery(REFUNDED, refund), denial)
    assert await _dims(pool, p.org_id) == _earning({
        ("hour", SUNDAY_16): (0, 1, c), ("hour", "14"): (3, 0, 0), ("device", "Bot"): (2, 0, 0),
        ("source", "youtube.com"): (3, 0, 0), ("source", U): (0, 1, c),
        ("country", "DE"): (3, 0, 0), ("country", U): (0, 1, c),
        ("device", "Mobile"): (3, 0, 0), ("device", U): (0, 1, c),
        ("utm_source", "yt"): (3, 0, 0), ("utm_source", U): (0, 1, c),
        ("utm_medium", N): (3, 0, 0), ("utm_medium", U): (0, 1, c),
        ("utm_campaign", "spring"): (3, 0, 0), ("utm_campaign", U): (0, 1, c),
        ("delay", U): (0, 1, c), ("link", "jane"): (3, 0, 0), ("link", U): (0, 1, c),
        ("channel", "ig"): (3, 0, 0), ("channel", U): (0, 1, c)}, k)


# ---- the org-wide twin ---------------------------------------------------------------------
TODAY = datetime.now(UTC).date()
DAYS = 40
HOSTS = [None, "a.example", "b.example"]


def _fact(rng: random.Random, org: uuid.UUID, program: uuid.UUID, affiliate: uuid.UUID
          ) -> Fact:
    cents = rng.randrange(1000, 50000)
    clicked = rng.random() < 0.6
    pick = rng.choice
    return Fact(uuid.uuid4(), org, TODAY - timedelta(days=rng.randrange(DAYS)), program,
                affiliate, pick(["USD", "EUR"]), sale=rng.random() < 0.9, lead=False,
                recurring=False, subscription_id=None, repeat_customer=False, kind="Link",
                amount_cents=cents, commission_cents=cents // 5, counted=True,
                cell=rng.randrange(168),
                source=pick(["(direct)", "a.example"]) if clicked else None,
                country=pick(["DE", "FR"]) if clicked else None,
                device=pick(["Mobile", "Desktop"]) if clicked else None,
                utm_source=pick(["yt", N]) if clicked else None,
                utm_medium=N if clicked else None, utm_campaign=N if clicked else None,
                delay=pick(["<1h", ">7d"]) if clicked else None,
                link=pick(["jane", None]), channel=pick(["ig", N]) if clicked else None)


def _cells(rng: random.Random, programs: list[uuid.UUID], affiliates: list[uuid.UUID]
           ) -> list[ClickCell]:
    return [ClickCell.model_validate({
        "programId": rng.choice(programs), "affiliateId": rng.choice(affiliates),
        "hour": datetime.combine(TODAY - timedelta(days=rng.randrange(DAYS)),
                                 time(rng.randrange(24)), UTC),
        "referrerHost": rng.choice(HOSTS), "country": rng.choice(["DE", "unknown"]),
        "device": rng.choice(["Mobile", "Tablet", "Bot"]), "utmSource": rng.choice([None, "x"]),
        "utmMedium": None, "utmCampaign": rng.choice([None, "c"]), "bot": False,
        "clicks": rng.randrange(1, 9), "slug": rng.choice(["jane", "joe"]),
        "subId": rng.choice([None, "ig"])}) for _ in range(40)]


async def test_the_org_wide_dimension_rows_equal_the_per_affiliate_sums(pool: asyncpg.Pool
                                                                        ) -> None:
    org, rng = uuid.uuid4(), random.Random(18)
    programs, affiliates = [uuid.uuid4(), uuid.uuid4()], [uuid.uuid4() for _ in range(8)]
    for _ in range(4):  # batches, so rows merge into existing ones too
        deltas = Deltas()
        facts = [_fact(rng, org, rng.choice(programs), rng.choice(affiliates))
                 for _ in range(50)]
        for f in facts:
            deltas.count(f, +1)
        for f in facts[:5]:
            deltas.count(f, -1, refund=True)
        cells = _cells(rng, programs, affiliates)
        deltas.clicks(ClicksRolled.model_validate({"orgId": org, "cells": [
            c.model_copy(update={"bot": c.device == "Bot"}) for c in cells]}))
        async with unit_of_work(pool) as tx:
            await Rollups(tx.conn).write(deltas)
    first = TODAY - timedelta(days=DAYS)
    async with pool.acquire() as conn:
        reads = Reads(conn)
        for dimension in ("source", "country", "device", "utm_source", "utm_medium",
                          "utm_campaign", "hour", "delay", "link", "channel"):
            for program in (None, programs[0]):
                fine = await conn.fetch(
                    "SELECT value, day, currency, sum(clicks)::bigint, "
                    "sum(conversions)::bigint, sum(revenue_cents)::bigint, "
                    "sum(commission_cents)::bigint FROM metric_dims "
                    "WHERE org_id = $1 AND day BETWEEN $2 AND $3 AND dimension = $4 "
                    "AND ($5::uuid IS NULL OR program_id = $5) GROUP BY value, day, currency",
                    org, first, TODAY, dimension, program)
                coarse = await reads.dims(Scope(org, first, TODAY, program), dimension)
                assert sorted(map(tuple, coarse)) == sorted(map(tuple, fine)) and fine
            one = affiliates[0]
            mine = await reads.dims(Scope(org, first, TODAY, None, one), dimension)
            assert sum(r["conversions"] for r in mine) == await conn.fetchval(
                "SELECT coalesce(sum(conversions), 0) FROM metric_dims WHERE org_id = $1 "
                "AND affiliate_id = $2 AND dimension = $3", org, one, dimension)
        # every dimension holds every counted sale once
        totals = await conn.fetch("SELECT dimension, sum(conversions) FROM metric_org_dims "
                                  "WHERE org_id = $1 GROUP BY dimension", org)
        assert len({t[1] for t in totals}) == 1 and len(totals) == 10


# ---- 0020 and 0022 carry over the sales counted before them -----------------------------------
LEDGER_MIGRATIONS = Path(__file__).resolve().parents[2] / "services/ledger/adapters/migrations"


async def test_the_migrations_put_earlier_sales_under_unknown_at_their_hour_with_commission(
        settings: Settings, migrated: None) -> None:
    schema = f"mig_{uuid.uuid4().hex[:12]}"
    migrations = load_migrations(LEDGER_MIGRATIONS)
    before = [m for m in migrations if m.version < "0020"]
    conn = await asyncpg.connect(settings.database_url)
    try:
        await migrate_schema(conn, schema, before)
        # the programs and affiliates these rows name are not what this tests: no FK checks
        await conn.execute("SET session_replication_role = replica")
        org, program, affiliate = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        ids = [uuid.uuid4() for _ in range(3)]
        at = datetime(2026, 5, 13, 9, 30, tzinfo=UTC)  # a Wednesday: hour of week 3 x 24 + 9
        for cid, counted, cents in zip(ids, (True, True, False), (1000, 2500, 700),
                                       strict=True):
            await conn.execute(
                f'INSERT INTO "{schema}".conversions (id, org_id, program_id, affiliate_id, '
                "amount_cents, currency, commission_cents, status, type, created_at) "
                "VALUES ($1, $2, $3, $4, $5, 'USD', 0, 'Pending', 'OneTime', $6)",
                cid, org, program, affiliate, cents, at)
            await conn.execute(
                f'INSERT INTO "{schema}".metric_conversions (conversion_id, org_id, day, '
                "program_id, affiliate_id, currency, sale, lead, recurring, kind, "
                "amount_cents, commission_cents, counted) VALUES ($1, $2, $3, $4, $5, 'USD', "
                "true, false, false, 'Link', $6, $7, $8)",
                cid, org, at.date(), program, affiliate, cents, cents // 5, counted)
        await conn.execute("RESET session_replication_role")
        await migrate_schema(conn, schema, migrations)
        cells = await conn.fetch(f'SELECT conversion_id, cell FROM "{schema}".metric_conversions')
        assert {r[0]: r[1] for r in cells} == {ids[0]: 81, ids[1]: 81, ids[2]: None}
        for table in ("metric_dims", "metric_org_dims"):
            rows = await conn.fetch(f'SELECT dimension, value, clicks, conversions, '
                                    f'revenue_cents, commission_cents FROM "{schema}".{table}')
            assert sorted(map(tuple, rows)) == sorted(
                [(d, U, 0, 2, 3500, 700) for d in ("source", "country", "device", "utm_source",
                                                   "utm_medium", "utm_campaign", "delay",
                                                   "link", "channel")]
                + [("hour", "81", 0, 2, 3500, 700)])
    finally:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()
