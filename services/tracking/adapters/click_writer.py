"""Clicks are buffered in memory and written in batches with COPY: one round trip per batch,
not per click. Bounded loss by design: a click is acknowledged once buffered, so a crash loses
at most the clicks of one flush interval (``tracking_click_flush_ms``). Sales never take this
path. The batch's roll-up for the dashboard (``tracking.clicks.rolled``, one event per org)
is staged in the same transaction, so the dashboard counts exactly the clicks stored."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

import asyncpg
from tenacity import AsyncRetrying, stop_after_attempt, wait_exponential

from libs.contracts.metrics import CLICKS_ROLLED
from libs.shared import jsonutil
from libs.shared.clock import now_utc
from libs.shared.ids import new_id
from libs.shared.outbox import add_events_json
from services.tracking.domain.click_rollup import roll_up

log = logging.getLogger(__name__)


def rolled_events(rows: list[tuple[Any, ...]]) -> list[tuple[uuid.UUID, str, str]]:
    return [(new_id(), CLICKS_ROLLED, jsonutil.dumps_str({"orgId": str(org), "cells": cells}))
            for org, cells in roll_up(rows).items()]

COLUMNS = ("org_id", "program_id", "affiliate_id", "slug", "attributed_slug", "visitor_id",
           "referrer_host", "landing_url", "utm_source", "utm_medium", "utm_campaign",
           "utm_term", "utm_content", "device_class", "country", "is_bot", "source",
           "created_at", "sub_id")


class ClickWriter:
    def __init__(self, pool: asyncpg.Pool, *, flush_ms: int, max_batch: int) -> None:
        self.pool = pool
        self.flush_seconds = flush_ms / 1000
        self.max_batch = max_batch
        self._rows: list[tuple[Any, ...]] = []
        self._full = asyncio.Event()

    def add(self, row: tuple[Any, ...]) -> None:
        self._rows.append(row)
        if len(self._rows) >= self.max_batch:
            self._full.set()

    async def run(self) -> None:
        """Flush every interval or when a batch fills; on cancel, flush what is left."""
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self.flush_seconds)
                await self.flush()
        finally:
            await asyncio.shield(self.flush())

    async def flush(self) -> None:
        self._full.clear()
        rows, self._rows = self._rows, []
        if not rows:
            return
        try:
            async for attempt in AsyncRetrying(stop=stop_after_attempt(3), reraise=True,
                                               wait=wait_exponential(0.05, max=1)):
                with attempt:
                    async with self.pool.acquire() as conn, conn.transaction():
                        await conn.copy_records_to_table("clicks", records=rows,
                                                         columns=COLUMNS)
                        await add_events_json(conn, rolled_events(rows), now=now_utc())
        except Exception:
            log.exception("click batch lost", extra={"clicks": len(rows)})
