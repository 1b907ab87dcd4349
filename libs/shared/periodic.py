"""Periodic jobs (conversion approval, FX refresh, invite mail, click aggregation), run with one
failure policy: a round that raises is logged with its traceback and counted
(``rekomi_periodic_job_failures_total``), and the job keeps running after the usual wait. A
crash must never stop the service, and the next round retries what the failed one left."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from libs.shared.metrics import PERIODIC_JOB_FAILURES

log = logging.getLogger(__name__)

# A round returns True when it left work waiting (a full batch): the next one starts at once.
Round = Callable[[], Awaitable[bool | None]]


async def run_periodically(name: str, job: Round, interval: float) -> None:
    """Run ``job`` every ``interval`` seconds, for ever (cancel the task to stop it)."""
    failures = PERIODIC_JOB_FAILURES.labels(name)
    while True:
        try:
            more = await job()
        except Exception:
            log.exception("periodic job failed", extra={"job": name})
            failures.inc()
            more = False
        if not more:
            await asyncio.sleep(interval)
