"""The link index and the click writer against the real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from libs.contracts.metrics import CLICKS_ROLLED
from libs.shared.db import create_pool
from libs.shared.settings import Settings
from services.tracking.adapters.click_writer import ClickWriter
from services.tracking.adapters.links_repository import LinksRepository
from tests.common.waiting import eventually

T0 = datetime(2026, 1, 1, tzinfo=UTC)


async def _link(conn: asyncpg.Connection, slug: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM tracking.link_index WHERE slug = $1", slug)
    return row


async def test_older_events_never_win(settings: Settings, migrated: None) -> None:
    pool = await create_pool(settings.database_url, "tracking", min_size=1, max_size=2)
    slug, ids = f"s{uuid.uuid4().hex[:10]}", [uuid.uuid4() for _ in range(3)]
    try:
        async with pool.acquire() as conn:
            repo = LinksRepository(conn)
            kw = {"org_id": ids[0], "program_id": ids[1], "affiliate_id": ids[2]}
            await repo.upsert([slug], active=True, event_at=T0 + timedelta(seconds=2), **kw)
            await repo.upsert([slug], active=False, event_at=T0, **kw)  # late, older
            assert (await repo.by_slug(slug)) is not None
            await repo.upsert([slug], active=True, event_at=T0 + timedelta(seconds=2), **kw)
            await repo.retire_others(ids[2], [], T0 + timedelta(seconds=3))
            assert (await repo.by_slug(slug)) is None
            row = await _link(conn, slug)  # type: ignore[arg-type]
            assert row is not None and row["active"] is False
    finally:
        await pool.close()


async def test_writer_batches_and_flushes_on_stop(settings: Settings, migrated: None) -> None:
    pool = await create_pool(settings.database_url, "tracking", min_size=1, max_size=2)
    org = uuid.uuid4()
    writer = ClickWriter(pool, flush_ms=60_000, max_batch=3)
    task = asyncio.ensure_future(writer.run())
    row = (org, org, org, "slug", "slug", None, "ref.example", "https://b/?via=slug", None,
           None, None, None, None, "Desktop", "unknown", False, "js", datetime.now(UTC), "ig")
    count = "SELECT count(*) FROM tracking.clicks WHERE org_id = $1"
    try:
        for _ in range(3):  # a full batch is written without waiting for the interval
            writer.add(row)

        async def written() -> bool | None:
            return True if await pool.fetchval(count, org) == 3 else None
        await eventually(written, timeout=5, what="a full batch written")
        writer.add(row)  # a partial batch is written when the writer stops
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        assert await pool.fetchval(count, org) == 4
        assert await pool.fetchval("SELECT array_agg(DISTINCT sub_id) FROM tracking.clicks "
                                   "WHERE org_id = $1", org) == ["ig"]
        # each batch's roll-up names the link and the sub-id of its clicks
        rolled = await pool.fetch(
            "SELECT payload FROM tracking.outbox WHERE routing_key = $1 "
            "AND payload->>'orgId' = $2", CLICKS_ROLLED, str(org))
        cells = [c for r in rolled for c in r[0]["cells"]]
        assert sorted((c["slug"], c["subId"], c["clicks"]) for c in cells) == [
            ("slug", "ig", 1), ("slug", "ig", 3)]
    finally:
        await pool.close()
