"""The CPC aggregation against the real PostgreSQL, in a tracking schema of its own (so the
test owns the watermarks and the clock): non-bot clicks counted once per affiliate and bucket,
each bucket published once, late clicks kept, a crash between buckets resumed, one replica at a
time."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from libs.contracts.click_rewards import CLICKS_AGGREGATED
from libs.shared.db import create_pool
from libs.shared.migrations import load_migrations, migrate_schema
from libs.shared.settings import Settings
from services.cli import migration_folders
from services.tracking.adapters.click_buckets_repository import LOCK_KEY
from services.tracking.adapters.click_writer import ClickWriter
from services.tracking.service_layer.click_aggregation import AggregationConfig, Round, aggregate

H = datetime(2026, 1, 1, 10, tzinfo=UTC)  # buckets 10:00, 11:00, ... (hours)
CONFIG = AggregationConfig(bucket_seconds=3600, margin_seconds=300, chunk=4)
ORG, PROGRAM, A, B = (uuid.uuid4() for _ in range(4))


@pytest.fixture
async def pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    schema = f"cpc_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(settings.database_url)
    await migrate_schema(conn, schema, load_migrations(migration_folders()["tracking"]))
    tracking = await create_pool(settings.database_url, schema, min_size=1, max_size=4)
    yield tracking
    await tracking.close()
    await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    await conn.close()


async def clicks(pool: asyncpg.Pool, affiliate: uuid.UUID, at: datetime, n: int, *,
                 bots: int = 0) -> None:
    """Written by the real click writer (COPY), as the click endpoints do."""
    writer = ClickWriter(pool, flush_ms=1000, max_batch=1000)
    for i in range(n + bots):
        bot = i >= n
        writer.add((ORG, PROGRAM, affiliate, "s", "s", None, None, None, None, None, None,
                    None, None, "Bot" if bot else "Desktop", "US", bot, "js", at, None))
    await writer.flush()


async def published(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch("SELECT payload FROM outbox WHERE routing_key = $1 ORDER BY "
                            "created_at, payload->>'affiliateId'", CLICKS_AGGREGATED)
    return [r["payload"] for r in rows]


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return sorted((e["affiliateId"], e["bucketStart"], e["clicks"]) for e in events)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def test_non_bot_clicks_counted_once_per_affiliate_and_bucket(pool: asyncpg.Pool) -> None:
    await clicks(pool, A, H + timedelta(minutes=5), 3, bots=2)
    await clicks(pool, A, H + timedelta(minutes=59, seconds=59), 2)
    await clicks(pool, A, H + timedelta(hours=1, minutes=1), 1)
    await clicks(pool, B, H + timedelta(minutes=30), 0, bots=4)  # only bots: no bucket
    now = H + timedelta(hours=2, minutes=5)
    assert await aggregate(pool, CONFIG, now=now) == Round(clicks=6, closed=2)
    assert await aggregate(pool, CONFIG, now=now) == Round(clicks=0, closed=0)
    events = await published(pool)
    assert summary(events) == [(str(A), iso(H), 5), (str(A), iso(H + timedelta(hours=1)), 1)]
    first = next(e for e in events if e["bucketStart"] == iso(H))
    bucket = await pool.fetchrow("SELECT * FROM click_buckets WHERE id = $1",
                                 uuid.UUID(first["bucketId"]))
    assert bucket is not None and bucket["late_clicks"] == 0
    assert first == {"orgId": str(ORG), "programId": str(PROGRAM), "affiliateId": str(A),
                     "bucketId": str(bucket["id"]), "bucketStart": iso(H),
                     "bucketEnd": iso(H + timedelta(hours=1)), "clicks": 5}


async def test_a_bucket_waits_for_the_margin_and_late_clicks_are_kept(
        pool: asyncpg.Pool) -> None:
    await clicks(pool, A, H + timedelta(minutes=10), 2)
    assert await aggregate(pool, CONFIG, now=H + timedelta(hours=1, minutes=4)) == Round(2, 0)
    assert await aggregate(pool, CONFIG, now=H + timedelta(hours=1, minutes=5)) == Round(0, 1)
    # A stalled writer: a 10:20 click written after 10:00-11:00 closed, and an 11:30 click.
    await clicks(pool, A, H + timedelta(minutes=20), 1)
    await clicks(pool, A, H + timedelta(hours=1, minutes=30), 1)
    assert await aggregate(pool, CONFIG, now=H + timedelta(hours=1, minutes=40)) == Round(2, 0)
    assert await aggregate(pool, CONFIG, now=H + timedelta(hours=2, minutes=6)) == Round(0, 1)
    assert summary(await published(pool)) == [(str(A), iso(H), 2),
                                              (str(A), iso(H + timedelta(hours=1)), 2)]
    late = await pool.fetchval("SELECT late_clicks FROM click_buckets WHERE bucket_start = $1",
                               H + timedelta(hours=1))
    assert late == 1


async def test_a_crash_between_buckets_resumes_without_repeating(pool: asyncpg.Pool) -> None:
    for hour in range(3):
        await clicks(pool, A, H + timedelta(hours=hour, minutes=1), hour + 1)
    # The close of the 11:00 bucket fails (a real error inside its transaction).
    await pool.execute(
        "CREATE FUNCTION crash() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'crash'; END $$")
    await pool.execute(
        "CREATE TRIGGER crash BEFORE UPDATE OF closed_at ON click_buckets FOR EACH ROW "
        f"WHEN (OLD.bucket_start = '{(H + timedelta(hours=1)).isoformat()}') "
        "EXECUTE FUNCTION crash()")
    now = H + timedelta(hours=3, minutes=10)
    with pytest.raises(asyncpg.RaiseError):
        await aggregate(pool, CONFIG, now=now)
    assert summary(await published(pool)) == [(str(A), iso(H), 1)]
    await pool.execute("DROP TRIGGER crash ON click_buckets")
    assert await aggregate(pool, CONFIG, now=now) == Round(clicks=0, closed=2)
    assert summary(await published(pool)) == [
        (str(A), iso(H + timedelta(hours=h)), h + 1) for h in range(3)]


async def test_one_replica_at_a_time(pool: asyncpg.Pool) -> None:
    await clicks(pool, A, H, 5)
    async with pool.acquire() as other:
        await other.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
        assert await aggregate(pool, CONFIG, now=H + timedelta(hours=2)) is None
        await other.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
    for affiliate in (A, B) * 5:
        await clicks(pool, affiliate, H + timedelta(minutes=1), 3)
    rounds = await asyncio.gather(*(aggregate(pool, CONFIG, now=H + timedelta(hours=2))
                                    for _ in range(4)))
    assert sum(r.closed for r in rounds if r) == 2
    assert summary(await published(pool)) == sorted([(str(A), iso(H), 20),
                                                     (str(B), iso(H), 15)])
