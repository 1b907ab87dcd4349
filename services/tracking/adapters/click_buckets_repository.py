"""SQL for the CPC aggregation: the job's lock and watermarks, counting new clicks, and opening,
filling and closing ``click_buckets`` rows."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from libs.shared.db import Conn
from services.tracking.domain.click_buckets import Count, Placed

# One aggregation at a time across replicas (a session lock: held across the job's transactions).
LOCK_KEY = 7_315_401_204
LOCK_TIMEOUT = "2s"

_COUNT = """
SELECT org_id, program_id, affiliate_id, count(*) AS clicks,
       date_bin(make_interval(secs => $3), created_at, timestamptz 'epoch') AS start
FROM clicks WHERE id > $1 AND id <= $2 AND NOT is_bot
GROUP BY org_id, program_id, affiliate_id, start"""

# Adding to a closed row would change a bucket already booked: the WHERE makes such a row
# report nothing, and the caller fails the whole step instead of losing the clicks.
_FILL = """
INSERT INTO click_buckets AS b (id, org_id, program_id, affiliate_id, bucket_start, bucket_end,
                                clicks, late_clicks)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[],
                     $6::timestamptz[], $7::int[], $8::int[])
ON CONFLICT (org_id, program_id, affiliate_id, bucket_start) DO UPDATE
SET clicks = b.clicks + EXCLUDED.clicks, late_clicks = b.late_clicks + EXCLUDED.late_clicks
WHERE b.closed_at IS NULL
RETURNING 1"""


class ClosedBucketWritten(RuntimeError):
    """Clicks were about to be added to a bucket already closed (and booked)."""


class ClickBucketsRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def try_lock(self) -> bool:
        return bool(await self.conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY))

    async def unlock(self) -> None:
        await self.conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)

    async def settled_click_id(self) -> int:
        """The highest click id such that every click at or below it is committed. Click ids
        are taken in one order and committed in another; SHARE mode waits for the COPYs in
        flight and lets none start, so no lower id can still appear after this answer."""
        async with self.conn.transaction():
            await self.conn.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            await self.conn.execute("LOCK TABLE clicks IN SHARE MODE")
            return int(await self.conn.fetchval("SELECT coalesce(max(id), 0) FROM clicks"))

    async def state(self) -> tuple[int, datetime | None]:
        """(last click id counted, closed_through), locked until the transaction ends."""
        row = await self.conn.fetchrow(
            "SELECT last_click_id, closed_through FROM click_aggregation FOR UPDATE")
        assert row is not None, "migration 0004 inserts the aggregation row"
        return row["last_click_id"], row["closed_through"]

    async def counts(self, after_id: int, through_id: int, size: int) -> list[Count]:
        rows = await self.conn.fetch(_COUNT, after_id, through_id, size)
        return [Count(r["org_id"], r["program_id"], r["affiliate_id"], r["start"], r["clicks"])
                for r in rows]

    async def fill(self, placed: list[Placed]) -> None:
        if not placed:
            return
        rows = await self.conn.fetch(
            _FILL, [uuid.uuid4() for _ in placed], [p.org_id for p in placed],
            [p.program_id for p in placed], [p.affiliate_id for p in placed],
            [p.start for p in placed], [p.end for p in placed], [p.clicks for p in placed],
            [p.late for p in placed])
        if len(rows) != len(placed):
            raise ClosedBucketWritten(f"{len(placed) - len(rows)} closed bucket(s) targeted")

    async def counted_through(self, click_id: int) -> None:
        await self.conn.execute("UPDATE click_aggregation SET last_click_id = $1", click_id)

    async def due_starts(self, until: datetime) -> list[datetime]:
        rows = await self.conn.fetch(
            "SELECT DISTINCT bucket_start FROM click_buckets WHERE closed_at IS NULL "
            "AND bucket_end <= $1 ORDER BY bucket_start", until)
        return [r["bucket_start"] for r in rows]

    async def close(self, start: datetime, until: datetime, now: datetime
                    ) -> list[asyncpg.Record]:
        return list(await self.conn.fetch(
            "UPDATE click_buckets SET closed_at = $3 WHERE closed_at IS NULL "
            "AND bucket_start = $1 AND bucket_end <= $2 RETURNING id, org_id, program_id, "
            "affiliate_id, bucket_start, bucket_end, clicks", start, until, now))

    async def closed_through(self, at: datetime) -> None:
        """Move the close watermark forward (never back)."""
        await self.conn.execute(
            "UPDATE click_aggregation SET closed_through = "
            "greatest(coalesce(closed_through, $1), $1)", at)
