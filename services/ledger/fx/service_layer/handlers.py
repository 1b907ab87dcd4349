"""FX rates: loading ECB-style files into the table (idempotent upserts), and normalizing
amounts to a home currency for reporting (read only: stored amounts never change)."""

from __future__ import annotations

import asyncio
from itertools import groupby

import asyncpg

from libs.contracts.fx import FxLoaded, LoadFxRates, NormalizeAmounts, NormalizedAmounts
from services.ledger.fx.adapters.repository import rates_for, upsert_rates
from services.ledger.fx.adapters.source import FxSource, parse_rates
from services.ledger.fx.domain.model import (
    BASE,
    DayRate,
    RateTable,
    normalize,
    prepare,
    to_response,
)

# Days per transaction: the full ECB history (~6,800 days) loads in ~30 short transactions; a
# load cut short keeps what committed and a re-run resumes (equal rates are skipped).
CHUNK_DAYS = 250


async def load_rates(pool: asyncpg.Pool, parsed: list[DayRate]) -> FxLoaded:
    rates = prepare(parsed)
    days = [list(group) for _day, group in groupby(rates, key=lambda r: r.day)]
    inserted = updated = 0
    for start in range(0, len(days), CHUNK_DAYS):
        chunk = [rate for day in days[start:start + CHUNK_DAYS] for rate in day]
        async with pool.acquire() as conn, conn.transaction():
            added, changed = await upsert_rates(conn, chunk)
        inserted, updated = inserted + added, updated + changed
    return FxLoaded(days=len(days), rates=len(rates), inserted=inserted, updated=updated,
                    unchanged=len(rates) - inserted - updated, first_day=rates[0].day,
                    last_day=rates[-1].day)


async def load_fx(pool: asyncpg.Pool, cmd: LoadFxRates, *, source: FxSource) -> FxLoaded:
    """``fx.load``: the file is read whole before anything is written, so a bad file loads
    nothing."""
    text = cmd.content
    if text is None:
        assert cmd.url is not None  # the command holds exactly one of the two
        text = await source.fetch(cmd.url)
    # The full ECB history takes about two seconds to read: off the event loop.
    return await load_rates(pool, await asyncio.to_thread(parse_rates, text))


async def normalize_amounts(pool: asyncpg.Pool, cmd: NormalizeAmounts) -> NormalizedAmounts:
    """``fx.normalize``: each amount in the home currency at the rate of its day."""
    home, items = cmd.home_currency, cmd.items
    needed = sorted(({i.currency for i in items} | {home}) - {BASE})
    rows = []
    if items and any(i.currency != home for i in items):
        async with pool.acquire() as conn:
            rows = await rates_for(conn, needed, min(i.day for i in items),
                                   max(i.day for i in items))
    table = RateTable(rows)
    results = [normalize(i.amount_cents, i.currency, i.day, home, table) for i in items]
    return to_response(home, results)
