"""The click-dimension insight modules, answered from ``metric_dims`` (or its org-wide twin):
the same window, program and affiliate filters as the other modules, money in the home
currency at each day's rate. Coverage-aware (``domain/dimensions.py``): sales without an
originating click count under ``(unknown)``; sale-origin and time-to-convert report how many
sales had one. The sums and shapes that need no brand revenue are shared with the
affiliate's own modules (``my_insights.py``)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from libs.contracts import insights as ins
from libs.shared.db import Conn
from services.ledger.metrics.adapters.reads import Reads, Scope
from services.ledger.metrics.domain import dimensions as dim
from services.ledger.metrics.service_layer.queries import Money, days_of, ratio, window

TOP_ORIGINS = 20
DEVICES = ("Mobile", "Tablet", "Desktop", "Bot", dim.UNKNOWN)
# value -> [clicks, conversions, revenue, commission], money in the reporting currency
Sums = dict[str, list[int]]
CLICKS, SALES, REVENUE, COMMISSION = range(4)
NOTHING = (0, 0, 0, 0)


async def dim_sums(conn: Conn, scopes: Sequence[Scope], dimension: str,
                   home: str | None = None) -> tuple[Sums, str]:
    """Each value of ``dimension`` over the scopes' rows (values whose counts were all taken
    back are left out), money converted into ``home`` (by default the first scope's org's home
    currency), and that currency."""
    reads = Reads(conn)
    rows = [r for scope in scopes for r in await reads.dims(scope, dimension)]
    amounts = [(r["day"], r["currency"]) for r in rows]
    money = await (Money.into(conn, home, amounts) if home is not None
                   else Money.load(conn, scopes[0].org_id, amounts))
    sums: Sums = {}
    for r in rows:
        s = sums.setdefault(r["value"], [0, 0, 0, 0])
        s[CLICKS] += r["clicks"]
        s[SALES] += r["conversions"]
        s[REVENUE] += money.home_cents(r["day"], r["currency"], r["revenue_cents"])
        s[COMMISSION] += money.home_cents(r["day"], r["currency"], r["commission_cents"])
    return {value: s for value, s in sums.items() if any(s)}, money.home


def ranked(sums: Sums, *order: int) -> list[tuple[str, list[int]]]:
    """Values by the given sums, descending, then by name; ``(unknown)`` last."""
    return sorted(sums.items(), key=lambda item: (item[0] == dim.UNKNOWN,
                                                  *(-item[1][i] for i in order), item[0]))


def coverage(sums: Sums) -> tuple[int, int, float]:
    """Sales with an originating click, all sales, and the share of the first."""
    total = sum(s[SALES] for s in sums.values())
    unknown = sums.get(dim.UNKNOWN, NOTHING)[SALES]
    return total - unknown, total, ratio(total - unknown, total)


def top_hosts(sums: Sums, money: int) -> list[tuple[str, list[int]]]:
    """The referring hosts of sales, by sales, then the ``money`` sum."""
    return [(source, s) for source, s in ranked(sums, SALES, money)
            if source != dim.UNKNOWN and s[SALES] > 0][:TOP_ORIGINS]


def devices_of(sums: Sums) -> ins.Devices:
    return ins.Devices(rows=[
        ins.DeviceRow(device=device, clicks=sums.get(device, NOTHING)[CLICKS],
                      conversions=sums.get(device, NOTHING)[SALES]) for device in DEVICES])


def time_patterns_of(sums: Sums) -> ins.TimePatterns:
    cells = [sums.get(str(cell), NOTHING) for cell in range(7 * 24)]
    return ins.TimePatterns(cells=[
        ins.TimeCell(day_of_week=cell // 24, hour=cell % 24, clicks=s[CLICKS],
                     conversions=s[SALES]) for cell, s in enumerate(cells)])


async def _sums(pool: asyncpg.Pool, cmd: ins.GetInsight, dimension: str) -> tuple[Sums, str]:
    first, last = days_of(*window(cmd.since, cmd.until))
    async with pool.acquire() as conn:
        return await dim_sums(conn, [Scope(cmd.org_id, first, last, cmd.program_id,
                                           cmd.affiliate_id)], dimension)


async def sale_origin(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.SaleOriginInsight:
    sums, home = await _sums(pool, cmd, dim.SOURCE)
    attributed, total, share = coverage(sums)
    return ins.SaleOriginInsight(
        sources=[ins.OriginSource(source=source, conversions=s[SALES], revenue_cents=s[REVENUE])
                 for source, s in top_hosts(sums, REVENUE)],
        attributed_conversions=attributed, total_conversions=total, coverage=share,
        home_currency=home)


async def geography(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.Geography:
    sums, home = await _sums(pool, cmd, dim.COUNTRY)
    return ins.Geography(home_currency=home, rows=[
        ins.CountryRow(country=country, clicks=s[CLICKS], conversions=s[SALES],
                       revenue_cents=s[REVENUE]) for country, s in ranked(sums, SALES, CLICKS)])


async def devices(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.Devices:
    return devices_of((await _sums(pool, cmd, dim.DEVICE))[0])


async def utm(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.Utm:
    sums, home = await _sums(pool, cmd, f"utm_{cmd.dimension.value}")
    return ins.Utm(dimension=cmd.dimension, home_currency=home, rows=[
        ins.UtmRow(value=value, clicks=s[CLICKS], conversions=s[SALES], revenue_cents=s[REVENUE])
        for value, s in ranked(sums, CLICKS, SALES)])


async def time_patterns(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.TimePatterns:
    return time_patterns_of((await _sums(pool, cmd, dim.HOUR))[0])


async def time_to_convert(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.TimeToConvert:
    sums, _ = await _sums(pool, cmd, dim.DELAY)
    attributed, total, share = coverage(sums)
    names = [name for name, _ in dim.DELAYS] + [dim.SLOWEST]
    return ins.TimeToConvert(
        buckets=[ins.DelayBucket(bucket=name, conversions=sums.get(name, NOTHING)[SALES])
                 for name in names],
        attributed_conversions=attributed, total_conversions=total, coverage=share)
