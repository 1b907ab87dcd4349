"""The periodic CPC aggregation (every replica runs the loop; one at a time does the work)."""

from __future__ import annotations

import logging

import asyncpg

from libs.shared.clock import now_utc
from libs.shared.periodic import run_periodically
from libs.shared.runtime import ServiceContext
from services.tracking.service_layer.click_aggregation import AggregationConfig, aggregate

log = logging.getLogger(__name__)


async def run_click_aggregation(pool: asyncpg.Pool, config: AggregationConfig,
                                interval: float) -> None:
    async def aggregate_round() -> None:
        try:
            await aggregate(pool, config, now=now_utc())
        except asyncpg.LockNotAvailableError:  # not a failure: the next round catches up
            log.warning("click aggregation skipped a round: click writes held the table")

    await run_periodically("click_aggregation", aggregate_round, interval)


def start_click_aggregation(ctx: ServiceContext) -> None:
    s = ctx.settings
    ctx.spawn(run_click_aggregation(ctx.pool, AggregationConfig.from_settings(s),
                                    s.tracking_click_aggregation_interval_seconds))
