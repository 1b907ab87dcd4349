"""The CPC aggregation job: count new non-bot clicks into open buckets, then close the buckets
that are safely in the past, each close committing with its ``tracking.clicks.aggregated`` event.

Exactly once, by construction: clicks are taken by id range above a watermark that moves in the
same transaction as the counts (a click is counted once, and a crash repeats nothing), and a
bucket's close and its event commit together (each bucket is published once). One replica runs
it at a time (a session advisory lock held across its transactions); a crash anywhere leaves
the watermarks at the last committed step, and the next round resumes from there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from libs.contracts.click_rewards import CLICKS_AGGREGATED, ClicksAggregated
from libs.shared.settings import Settings
from libs.shared.uow import Transaction
from services.tracking.adapters.click_buckets_repository import ClickBucketsRepository
from services.tracking.domain.click_buckets import closable_until, place

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AggregationConfig:
    bucket_seconds: int
    margin_seconds: float
    chunk: int

    @classmethod
    def from_settings(cls, s: Settings) -> AggregationConfig:
        return cls(s.tracking_click_bucket_seconds, s.tracking_click_aggregation_margin_seconds,
                   s.tracking_click_aggregation_chunk)


@dataclass(frozen=True, slots=True)
class Round:
    clicks: int  # non-bot clicks counted into buckets
    closed: int  # buckets closed and published


async def aggregate(pool: asyncpg.Pool, config: AggregationConfig, *, now: datetime
                    ) -> Round | None:
    """One round; None when another replica is running one."""
    async with pool.acquire() as conn:
        repo = ClickBucketsRepository(conn)
        if not await repo.try_lock():
            return None
        try:
            clicks = await _count_new(repo, config)
            closed = await _close_due(repo, config, now)
        finally:
            await repo.unlock()
    return Round(clicks, closed)


async def _count_new(repo: ClickBucketsRepository, config: AggregationConfig) -> int:
    settled, counted = await repo.settled_click_id(), 0
    while True:
        async with repo.conn.transaction():
            last, closed_through = await repo.state()
            if last >= settled:
                return counted
            upto = min(settled, last + config.chunk)
            placed = place(await repo.counts(last, upto, config.bucket_seconds),
                           closed_through, config.bucket_seconds)
            await repo.fill(placed)
            await repo.counted_through(upto)
        counted += sum(p.clicks for p in placed)
        if late := sum(p.late for p in placed):
            log.warning("late clicks counted in the first open bucket",
                        extra={"clicks": late, "bucket_start": str(closed_through)})


async def _close_due(repo: ClickBucketsRepository, config: AggregationConfig,
                     now: datetime) -> int:
    until = closable_until(now, margin=config.margin_seconds, size=config.bucket_seconds)
    closed = 0
    for start in await repo.due_starts(until):
        async with repo.conn.transaction():
            rows = await repo.close(start, until, now)
            tx = Transaction(repo.conn)
            for row in rows:
                await tx.publish(CLICKS_AGGREGATED, _event(row))
            if rows:
                await repo.closed_through(max(r["bucket_end"] for r in rows))
        closed += len(rows)
    async with repo.conn.transaction():
        await repo.closed_through(until)
    return closed


def _event(row: asyncpg.Record) -> dict[str, Any]:
    return ClicksAggregated(
        org_id=row["org_id"], program_id=row["program_id"], affiliate_id=row["affiliate_id"],
        bucket_id=row["id"], bucket_start=row["bucket_start"], bucket_end=row["bucket_end"],
        clicks=row["clicks"]).model_dump(mode="json", by_alias=True)
