"""The click-dimension insight modules, answered from ``metric_dims`` (or its org-wide twin):
the same window, program and affiliate filters as the other modules, revenue in the home
currency at each day's rate. Coverage-aware (``domain/dimensions.py``): sales without an
originating click count under ``(unknown)``; sale-origin and time-to-convert report how many
sales had one."""

from __future__ import annotations

import asyncpg

from libs.contracts import insights as ins
from services.ledger.metrics.adapters.reads import Reads, Scope
from services.ledger.metrics.domain import dimensions as dim
from services.ledger.metrics.service_layer.queries import Money, days_of, ratio, window

TOP_ORIGINS = 20
DEVICES = ("Mobile", "Tablet", "Desktop", "Bot", dim.UNKNOWN)
Sums = dict[str, list[int]]  # value -> [clicks, conversions, revenue in the home currency]


async def _sums(pool: asyncpg.Pool, cmd: ins.GetInsight, dimension: str) -> tuple[Sums, str]:
    """Each value of ``dimension`` over the window (values whose counts were all taken back
    are left out), and the home currency."""
    first, last = days_of(*window(cmd.since, cmd.until))
    scope = Scope(cmd.org_id, first, last, cmd.program_id, cmd.affiliate_id)
    async with pool.acquire() as conn:
        rows = await Reads(conn).dims(scope, dimension)
        money = await Money.load(conn, cmd.org_id, [(r["day"], r["currency"]) for r in rows])
    sums: Sums = {}
    for r in rows:
        s = sums.setdefault(r["value"], [0, 0, 0])
        s[0] += r["clicks"]
        s[1] += r["conversions"]
        s[2] += money.home_cents(r["day"], r["currency"], r["revenue_cents"])
    return {value: s for value, s in sums.items() if any(s)}, money.home


def _ranked(sums: Sums, *order: int) -> list[tuple[str, list[int]]]:
    """Values by the given sums, descending, then by name; ``(unknown)`` last."""
    return sorted(sums.items(), key=lambda item: (item[0] == dim.UNKNOWN,
                                                  *(-item[1][i] for i in order), item[0]))


def _coverage(total: int, unknown: int) -> tuple[int, int, float]:
    return total - unknown, total, ratio(total - unknown, total)


async def sale_origin(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.SaleOriginInsight:
    sums, home = await _sums(pool, cmd, dim.SOURCE)
    attributed, total, coverage = _coverage(sum(s[1] for s in sums.values()),
                                            sums.get(dim.UNKNOWN, [0, 0, 0])[1])
    hosts = [(source, s) for source, s in _ranked(sums, 1, 2)
             if source != dim.UNKNOWN and s[1] > 0][:TOP_ORIGINS]
    return ins.SaleOriginInsight(
        sources=[ins.OriginSource(source=source, conversions=s[1], revenue_cents=s[2])
                 for source, s in hosts],
        attributed_conversions=attributed, total_conversions=total, coverage=coverage,
        home_currency=home)


async def geography(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.Geography:
    sums, home = await _sums(pool, cmd, dim.COUNTRY)
    return ins.Geography(home_currency=home, rows=[
        ins.CountryRow(country=country, clicks=s[0], conversions=s[1], revenue_cents=s[2])
        for country, s in _ranked(sums, 1, 0)])


async def devices(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.Devices:
    sums, _ = await _sums(pool, cmd, dim.DEVICE)
    return ins.Devices(rows=[
        ins.DeviceRow(device=device, clicks=sums.get(device, [0, 0, 0])[0],
                      conversions=sums.get(device, [0, 0, 0])[1]) for device in DEVICES])


async def utm(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.Utm:
    sums, home = await _sums(pool, cmd, f"utm_{cmd.dimension.value}")
    return ins.Utm(dimension=cmd.dimension, home_currency=home, rows=[
        ins.UtmRow(value=value, clicks=s[0], conversions=s[1], revenue_cents=s[2])
        for value, s in _ranked(sums, 0, 1)])


async def time_patterns(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.TimePatterns:
    sums, _ = await _sums(pool, cmd, dim.HOUR)
    cells = [sums.get(str(cell), [0, 0, 0]) for cell in range(7 * 24)]
    return ins.TimePatterns(cells=[
        ins.TimeCell(day_of_week=cell // 24, hour=cell % 24, clicks=s[0], conversions=s[1])
        for cell, s in enumerate(cells)])


async def time_to_convert(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.TimeToConvert:
    sums, _ = await _sums(pool, cmd, dim.DELAY)
    attributed, total, coverage = _coverage(sum(s[1] for s in sums.values()),
                                            sums.get(dim.UNKNOWN, [0, 0, 0])[1])
    names = [name for name, _ in dim.DELAYS] + [dim.SLOWEST]
    return ins.TimeToConvert(
        buckets=[ins.DelayBucket(bucket=name, conversions=sums.get(name, [0, 0, 0])[1])
                 for name in names],
        attributed_conversions=attributed, total_conversions=total, coverage=coverage)
