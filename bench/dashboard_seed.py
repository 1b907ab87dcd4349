"""Seeding ``dashboard_read``'s data set (untimed), or finding it already seeded.

The raw rows go in with COPY: affiliates and conversions into the ledger's tables, clicks into
tracking's (the CPC job's watermark moved past them in the same transaction: they are history
it counted long ago, not 10 million new clicks for it to bucket). The rollups are filled only
through the ledger's own write path, as its metrics consumer would have: ``ClicksRolled`` events
into ``Deltas.clicks``, booked ``Fact``s through ``count_new``, then approvals and payments
through ``Rollups.advance`` and ``Fact.advanced``, refunds and denials through ``uncount`` and
``Deltas.count``, payouts through ``Deltas.payout``, each batch written by ``Rollups.write`` in
a transaction: whatever tables that path maintains get filled, and nothing else writes them.

The set lives in a database of its own (``DATABASE``), with a marker row naming its org, key,
anchor and a fingerprint of the generator and of the ledger's and tracking's migrations: a
re-run finds it and skips the minutes of seeding, unless ``--reseed``, the fingerprint changed,
or it is older than ``MAX_AGE`` (its 30-day window would be thinning out)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from bench import dashboard_sales as sales
from bench.dashboard_data import (
    AFFILIATE_COLUMNS,
    ClickHour,
    Clicks,
    Ids,
    Shape,
    affiliate_rows,
    start_of,
)
from bench.stack import BENCH_ENV, Org, RekomiStack
from libs.shared import db
from libs.shared.migrations import SHARED_SQL
from services.cli import migration_folders
from services.ledger.fx.adapters.repository import upsert_rates
from services.ledger.fx.domain.model import prepare
from services.ledger.metrics.adapters.rollups import Rollups
from services.ledger.metrics.domain.rollup import Deltas, Fact
from services.ledger.metrics.service_layer.apply import count_new
from services.tracking.adapters.click_writer import COLUMNS as CLICK_COLUMNS

# REKOMI_BENCH_DASHBOARD_DB: another name keeps a second data set (two checkouts side by side)
DATABASE = os.environ.get("REKOMI_BENCH_DASHBOARD_DB", "rekomi_bench_dashboard")
DSN = BENCH_ENV["REKOMI_DATABASE_URL"].rsplit("/", 1)[0] + "/" + DATABASE
# The generator's code: changed rows want a new set. (A change to how this module writes them
# does too: run once with --reseed.)
GENERATOR = [Path(__file__).parent / f"dashboard_{n}.py" for n in ("data", "sales")]
MAX_AGE = timedelta(days=7)
MARKER = "bench_dashboard.seeded"
T = TypeVar("T")
BOOK_BATCH = 50_000  # facts per count_new, as a consumer's (large) batch would
ADVANCE_WORKERS = 3
ADVANCE_BATCH = 5_000


@dataclass(frozen=True, slots=True)
class DataSet:
    org: Org
    program_id: uuid.UUID
    anchor: datetime
    seeded_at: datetime
    seed_seconds: float
    reused: bool
    shape: Shape

    def to_dict(self) -> dict[str, Any]:
        return {"orgId": self.org.org_id, "anchor": self.anchor.isoformat(),
                "seededAt": self.seeded_at.isoformat(), "seedSeconds": round(self.seed_seconds),
                "reused": self.reused, "shape": asdict(self.shape)}


def fingerprint(shape: Shape) -> str:
    """Changes with the generator's code, its shape, and the migrations of the tables it
    fills (a new rollup table must be filled too)."""
    digest = hashlib.sha256(repr(asdict(shape)).encode())
    folders = migration_folders()
    for path in (*GENERATOR, *(p for folder in (SHARED_SQL, folders["ledger"],
                                                folders["tracking"])
                               for p in sorted(folder.glob("*.sql")))):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


async def stored(shape: Shape) -> tuple[DataSet | None, str]:
    """The data set seeded earlier, if it can be reused; else why not."""
    try:
        conn = await asyncpg.connect(DSN)
    except asyncpg.InvalidCatalogNameError:
        return None, "no database yet"
    try:
        if await conn.fetchval("SELECT to_regclass($1)", MARKER) is None:
            return None, "not seeded yet"
        row = await conn.fetchrow(f"SELECT * FROM {MARKER}")
    finally:
        await conn.close()
    if row is None:
        return None, "not seeded yet"
    if row["fingerprint"] != fingerprint(shape):
        return None, "the generator or the migrations changed since it was seeded"
    if datetime.now(UTC) - row["anchor"] > MAX_AGE:
        return None, f"seeded more than {MAX_AGE.days} days ago"
    return DataSet(Org(str(row["org_id"]), row["api_key"]), row["program_id"], row["anchor"],
                   row["seeded_at"], row["seconds"], True, shape), "seeded by an earlier run"


async def seed(stack: RekomiStack, shape: Shape) -> DataSet:
    began = time.monotonic()
    org = stack.create_org()
    program = stack.request("POST", "/api/v1/programs", org, {
        "name": "Dashboard bench", "defaultCommissionType": "Percentage",
        "defaultCommissionValue": sales.PERCENT, "autoApprove": True}, expect=201)
    program_id = uuid.UUID(program["id"])
    anchor = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    ids = Ids.of(uuid.UUID(org.org_id), program_id, shape.affiliates)
    ledger, tracking = await db.connect(DSN, "ledger"), await db.connect(DSN, "tracking")
    try:
        await upsert_rates(ledger, prepare(sales.fx_rates(shape, anchor)))
        await ledger.copy_records_to_table(
            "affiliates", columns=AFFILIATE_COLUMNS,
            records=affiliate_rows(ids, start_of(shape, anchor) - timedelta(days=1)))
        await _clicks(ledger, tracking, shape, ids, anchor)
        await _conversions(ledger, shape, ids, anchor)
        await _vacuum(ledger)
        seconds = time.monotonic() - began
        await ledger.execute(
            "CREATE SCHEMA IF NOT EXISTS bench_dashboard; "
            f"DROP TABLE IF EXISTS {MARKER}; CREATE TABLE {MARKER} (org_id uuid, "
            "api_key text, program_id uuid, anchor timestamptz, seeded_at timestamptz, "
            "seconds float8, fingerprint text)")
        await ledger.execute(f"INSERT INTO {MARKER} VALUES ($1, $2, $3, $4, now(), $5, $6)",
                             uuid.UUID(org.org_id), org.api_key, program_id, anchor, seconds,
                             fingerprint(shape))
    finally:
        await ledger.close()
        await tracking.close()
    return DataSet(org, program_id, anchor, datetime.now(UTC), seconds, False, shape)


class _Progress:
    def __init__(self, what: str, total: int) -> None:
        self.what, self.total, self.done, self.began = what, total, 0, time.monotonic()
        self.next_report = 0.0

    def add(self, n: int) -> None:
        self.done += n
        elapsed = time.monotonic() - self.began
        if elapsed >= self.next_report or self.done >= self.total:
            self.next_report = elapsed + 15
            print(f"    {self.what}: {self.done:,} / {self.total:,} "
                  f"({elapsed:.0f} s, {self.done / max(elapsed, 1e-9):,.0f}/s)", flush=True)


def by_utc_day(hours: Iterator[T], start_of: Callable[[T], datetime]) -> Iterator[list[T]]:
    """Hours grouped by UTC day: a day is one COPY and one rollup write, and a run of
    bookings ends with a day (the rollups order a run's sales by day, then id: so the raw
    statements can tell which sale was a customer's first)."""
    day: list[T] = []
    for hour in hours:
        if day and start_of(hour).date() != start_of(day[0]).date():
            yield day
            day = []
        day.append(hour)
    if day:
        yield day


async def _clicks(ledger: asyncpg.Connection, tracking: asyncpg.Connection, shape: Shape,
                  ids: Ids, anchor: datetime) -> None:
    """A day at a time, pipelined: while PostgreSQL stores one day's clicks and the rollups of
    the day before, a thread generates and rolls up (the GIL allows no more, but the server's
    work overlaps this process's)."""
    progress = _Progress("clicks (COPY, roll-up, rollups written)", shape.clicks)
    clicks = Clicks(shape, ids, anchor)
    days = by_utc_day(clicks.hours(), lambda hour: hour.start)
    writing: asyncio.Task[None] | None = None
    while day := await asyncio.to_thread(next, days, None):
        rows = [r for hour in day for r in hour.rows]
        copying = asyncio.create_task(_copy_clicks(tracking, rows))
        deltas = await asyncio.to_thread(_roll_up, clicks, day)
        await copying
        if writing is not None:
            await writing
        writing = asyncio.create_task(_write(ledger, deltas))
        progress.add(len(rows))
    if writing is not None:
        await writing


async def _copy_clicks(tracking: asyncpg.Connection, rows: list[tuple[Any, ...]]) -> None:
    async with tracking.transaction():
        await tracking.copy_records_to_table("clicks", columns=CLICK_COLUMNS, records=rows)
        await tracking.execute("UPDATE click_aggregation SET last_click_id = "
                               "(SELECT max(id) FROM clicks)")


def _roll_up(clicks: Clicks, day: list[ClickHour]) -> Deltas:
    deltas = Deltas()
    for hour in day:  # one tracking.clicks.rolled per hour (a write batch's event)
        deltas.clicks(clicks.rolled(hour))
    return deltas


async def _write(ledger: asyncpg.Connection, deltas: Deltas) -> None:
    async with ledger.transaction():
        await Rollups(ledger).write(deltas)


async def _conversions(ledger: asyncpg.Connection, shape: Shape, ids: Ids,
                       anchor: datetime) -> None:
    generator = sales.Sales(shape, ids, anchor)
    progress = _Progress("conversions (COPY, booked in the rollups)", shape.conversions)
    stages: list[tuple[uuid.UUID, int]] = []
    refunded: list[uuid.UUID] = []
    denied: list[uuid.UUID] = []
    facts: list[Fact] = []
    for day in by_utc_day(generator.hours(), lambda hour: hour[0]):
        rows = [r for _, hour in day for r in hour]
        await ledger.copy_records_to_table("conversions", columns=sales.CONVERSION_COLUMNS,
                                           records=rows)
        for r in rows:
            status = r[sales.STATUS]
            if status in ("Approved", "Paid"):
                stages.append((r[sales.ID], 1 if status == "Approved" else 2))
            elif status == "Refunded":
                refunded.append(r[sales.ID])
            elif status == "Denied":
                denied.append(r[sales.ID])
        facts += [sales.booked_fact(r) for r in rows]
        if len(facts) >= BOOK_BATCH:
            await _book(ledger, facts)
            facts = []
        progress.add(len(rows))
    await _book(ledger, facts)
    print(f"    approvals and payments: {len(stages):,} conversions through Rollups.advance "
          f"({ADVANCE_WORKERS} connections) ...", flush=True)
    began = time.monotonic()
    await asyncio.gather(*(_advance(stages[n::ADVANCE_WORKERS])
                           for n in range(ADVANCE_WORKERS)))
    print(f"    ... {time.monotonic() - began:.0f} s; refunds {len(refunded):,}, denials "
          f"{len(denied):,}, payouts ...", flush=True)
    deltas, repo = Deltas(), Rollups(ledger)
    async with ledger.transaction():
        for fact in await repo.uncount(refunded):
            deltas.count(fact, -1, refund=True)
        for fact in await repo.uncount(denied):
            deltas.count(fact, -1)
        for payout in sales.payouts(ids, generator.paid):
            deltas.payout(ids.org_id, payout)
        await repo.write(deltas)


async def _book(ledger: asyncpg.Connection, facts: list[Fact]) -> None:
    """A run of ``conversion.created`` deliveries, as ``apply`` counts them."""
    async with ledger.transaction():
        repo, deltas = Rollups(ledger), Deltas()
        await count_new(repo, deltas, facts)
        await repo.write(deltas)


async def _advance(moves: Sequence[tuple[uuid.UUID, int]]) -> None:
    """``conversion.approved`` / ``conversion.paid`` deliveries, as ``apply`` applies them."""
    conn = await db.connect(DSN, "ledger")
    try:
        repo = Rollups(conn)
        for n in range(0, len(moves), ADVANCE_BATCH):
            async with conn.transaction():
                deltas = Deltas()
                for conversion_id, stage in moves[n:n + ADVANCE_BATCH]:
                    moved = await repo.advance(conversion_id, stage)
                    if moved is not None:
                        before, after = moved
                        deltas.add(after.key, before.advanced(after.stage))
                await repo.write(deltas)
    finally:
        await conn.close()


async def _vacuum(ledger: asyncpg.Connection) -> None:
    """Statistics and visibility maps, as autovacuum would have them after 90 days."""
    tables = [r[0] for r in await ledger.fetch(
        "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE (schemaname = "
        "'ledger' AND (tablename LIKE 'metric%' OR tablename IN ('conversions', 'affiliates', "
        "'fx_rates'))) OR (schemaname = 'tracking' AND tablename = 'clicks')")]
    print(f"    VACUUM ANALYZE {len(tables)} tables ...", flush=True)
    for table in tables:
        await ledger.execute(f"VACUUM (ANALYZE) {table}")
