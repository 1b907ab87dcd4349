"""The floor under ``payouts_run``: writing what a 10,000-payout run writes, and nothing else.

Same run, same database, on an idle stack: one transaction that COPYs (asyncpg
``copy_records_to_table``) 10,000 payout rows and their 100,000 line items into tables made
``LIKE`` the payouts service's own (``INCLUDING ALL``: the same columns, defaults, checks and
indexes; logged, not temporary), with the same foreign keys (line item -> payout -> run). Both
tables are counted, since a run must write both; the records are built before the clock starts,
so the figure is the database's cost of those rows, not Python's."""

from __future__ import annotations

import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from bench.payouts_data import AFFILIATES, PER_AFFILIATE
from services.payouts.adapters.repository import COLUMNS, LINE_COLUMNS

SCHEMA = "bench_baseline"
_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
DROP TABLE IF EXISTS {SCHEMA}.payout_line_items, {SCHEMA}.payouts, {SCHEMA}.payout_runs;
CREATE TABLE {SCHEMA}.payout_runs (LIKE payouts.payout_runs INCLUDING ALL);
CREATE TABLE {SCHEMA}.payouts (LIKE payouts.payouts INCLUDING ALL,
    FOREIGN KEY (run_id) REFERENCES {SCHEMA}.payout_runs (id));
CREATE TABLE {SCHEMA}.payout_line_items (LIKE payouts.payout_line_items INCLUDING ALL,
    FOREIGN KEY (payout_id) REFERENCES {SCHEMA}.payouts (id));
"""


@dataclass(frozen=True, slots=True)
class CopyTiming:
    payouts_ms: float
    lines_ms: float
    total_ms: float  # both COPYs and the commit

    def to_dict(self) -> dict[str, float]:
        return {"payoutsCopyMs": round(self.payouts_ms, 1),
                "lineItemsCopyMs": round(self.lines_ms, 1), "totalMs": round(self.total_ms, 1)}


def _records(org_id: uuid.UUID, run_id: uuid.UUID, at: datetime
             ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """A Manual run's rows, in the product's column order (``COLUMNS``, ``LINE_COLUMNS``)."""
    today = at.date()
    payouts, lines = [], []
    for n in range(AFFILIATES):
        payout_id = uuid.uuid4()
        amounts = [100 + (n * 7 + k * 13) % 2000 for k in range(PER_AFFILIATE)]
        payouts.append((payout_id, org_id, run_id, uuid.uuid4(), sum(amounts), "USD", "Manual",
                        "Paid", 1, None, None, None, None, today, today, at, at, None, None,
                        None))
        lines += [(uuid.uuid4(), payout_id, uuid.uuid4(), a) for a in amounts]
    assert len(payouts[0]) == len(COLUMNS) and len(lines[0]) == len(LINE_COLUMNS)
    return payouts, lines


async def prepare(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(_DDL)
    finally:
        await conn.close()


async def copy_once(dsn: str) -> CopyTiming:
    """One baseline write of a fresh run's rows."""
    org_id, run_id, at = uuid.uuid4(), uuid.uuid4(), datetime.now(UTC)
    payouts, lines = _records(org_id, run_id, at)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            f"INSERT INTO {SCHEMA}.payout_runs (id, org_id, method, period_start, period_end, "
            "state, created_at) VALUES ($1, $2, 'Manual', $3, $3, 'Claimed', $4)",
            run_id, org_id, at.date(), at)
        started = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table("payouts", schema_name=SCHEMA, columns=COLUMNS,
                                              records=payouts)
            mid = time.perf_counter()
            await conn.copy_records_to_table("payout_line_items", schema_name=SCHEMA,
                                              columns=LINE_COLUMNS, records=lines)
            lines_done = time.perf_counter()
        ended = time.perf_counter()
    finally:
        await conn.close()
    return CopyTiming((mid - started) * 1000, (lines_done - mid) * 1000,
                      (ended - started) * 1000)


def median_of(samples: list[CopyTiming]) -> CopyTiming:
    return CopyTiming(statistics.median(s.payouts_ms for s in samples),
                      statistics.median(s.lines_ms for s in samples),
                      statistics.median(s.total_ms for s in samples))
