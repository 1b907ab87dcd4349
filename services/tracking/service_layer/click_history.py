"""An org's recorded clicks, for rebuilding the dashboard's rollups (``metrics-rebuild``): a
day's clicks as the same cells the click path publishes in ``tracking.clicks.rolled``
(``domain/click_rollup.py``), summed here by the database over the ``clicks_org_time`` index."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import asyncpg

from libs.contracts import metrics_rebuild as r
from libs.contracts.metrics import ClickCell

_CELLS = (
    "SELECT program_id, affiliate_id, date_trunc('hour', created_at AT TIME ZONE 'UTC') AS hour, "
    "nullif(referrer_host, '') AS referrer_host, country, device_class, utm_source, utm_medium, "
    "utm_campaign, is_bot, slug, sub_id, count(*) AS clicks FROM clicks "
    "WHERE org_id = $1 AND created_at >= $2 AND created_at < $3 "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12")


async def cells_of_day(pool: asyncpg.Pool, q: r.ClickCellsQuery) -> r.ClickCells:
    start = datetime.combine(q.day, time(), UTC)
    rows = await pool.fetch(_CELLS, q.org_id, start, start + timedelta(days=1))
    return r.ClickCells(cells=[ClickCell(
        program_id=row["program_id"], affiliate_id=row["affiliate_id"],
        hour=row["hour"].replace(tzinfo=UTC), referrer_host=row["referrer_host"],
        country=row["country"], device=row["device_class"], utm_source=row["utm_source"],
        utm_medium=row["utm_medium"], utm_campaign=row["utm_campaign"], bot=row["is_bot"],
        clicks=row["clicks"], slug=row["slug"], sub_id=row["sub_id"]) for row in rows])


async def first_day(pool: asyncpg.Pool, q: r.FirstClickQuery) -> r.FirstClick:
    first: datetime | None = await pool.fetchval(
        "SELECT min(created_at) FROM clicks WHERE org_id = $1", q.org_id)
    return r.FirstClick(day=None if first is None else first.astimezone(UTC).date())
