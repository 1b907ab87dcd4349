"""Loading FX rates into the real ledger schema from a local HTTP server that serves ECB files:
idempotent reloads, corrections, resuming a cut-short load, refused sources, the periodic job."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web

from libs.contracts.common import as_json
from libs.contracts.fx import LoadFxRates
from libs.shared.db import create_pool
from libs.shared.errors import RekomiError
from libs.shared.runtime import ServiceContext
from libs.shared.settings import Settings
from services.ledger.domain.errors import FxFileInvalid, FxSourceUnavailable
from services.ledger.fx.adapters.source import HttpFxSource
from services.ledger.fx.entrypoints.jobs import refresh_once, start_fx_refresh
from services.ledger.fx.service_layer import handlers as fx
from tests.common.buses import MakeBus
from tests.common.local_http import serving

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fx"
DAILY = (FIXTURES / "eurofxref-daily.xml").read_text()
HIST = (FIXTURES / "eurofxref-hist.csv").read_text()
FRIDAY = date(2024, 5, 17)
PER_DAY = 30  # 28 allowlisted ECB currencies + AED and SAR from their USD pegs


@dataclass
class FakeEcb:
    """An HTTP server with ``/<name>`` documents; counts requests."""

    base: str = ""
    files: dict[str, str] = field(default_factory=dict)
    hits: int = 0

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"


@pytest.fixture
async def ecb() -> AsyncIterator[FakeEcb]:
    fake = FakeEcb(files={"daily.xml": DAILY, "hist.csv": HIST})

    async def serve(request: web.Request) -> web.Response:
        fake.hits += 1
        body = fake.files.get(request.match_info["name"])
        return web.Response(text=body) if body is not None else web.Response(status=404)

    app = web.Application()
    app.router.add_get("/{name}", serve)
    async with serving(app) as base:
        fake.base = base
        yield fake


@pytest.fixture
async def pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    ledger = await create_pool(settings.database_url, "ledger", min_size=1, max_size=4)
    # The fixture files' week belongs to these tests: start it empty.
    await ledger.execute("DELETE FROM fx_rates WHERE day BETWEEN '2024-05-13' AND '2024-05-26'")
    yield ledger
    await ledger.close()


async def load(pool: asyncpg.Pool, **source: str) -> dict[str, object]:
    return as_json(await fx.load_fx(pool, LoadFxRates.model_validate(source),
                                    source=HttpFxSource(5)))


async def week_rows(pool: asyncpg.Pool) -> dict[tuple[date, str], tuple[Decimal, str]]:
    rows = await pool.fetch("SELECT day, currency, per_eur, source FROM fx_rates "
                            "WHERE day BETWEEN '2024-05-13' AND '2024-05-26'")
    return {(r["day"], r["currency"]): (r["per_eur"], r["source"]) for r in rows}


async def test_load_from_url_then_reload_changes_nothing(pool: asyncpg.Pool,
                                                         ecb: FakeEcb) -> None:
    first = await load(pool, url=ecb.url("daily.xml"))
    assert first == {"days": 1, "rates": PER_DAY, "inserted": PER_DAY, "updated": 0,
                     "unchanged": 0, "firstDay": "2024-05-17", "lastDay": "2024-05-17"}
    stored = await week_rows(pool)
    assert stored[(FRIDAY, "USD")] == (Decimal("1.0866"), "ecb")
    assert stored[(FRIDAY, "AED")] == (Decimal("1.0866") * Decimal("3.6725"), "peg:USD")
    assert (FRIDAY, "BGN") not in stored and (FRIDAY, "EUR") not in stored
    loaded_at = await pool.fetchval("SELECT max(loaded_at) FROM fx_rates WHERE day = $1", FRIDAY)

    again = await load(pool, url=ecb.url("daily.xml"))
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, PER_DAY)
    assert await week_rows(pool) == stored
    assert await pool.fetchval("SELECT max(loaded_at) FROM fx_rates WHERE day = $1",
                               FRIDAY) == loaded_at  # untouched rows are not rewritten


async def test_history_upserts_around_days_already_loaded(pool: asyncpg.Pool,
                                                          ecb: FakeEcb) -> None:
    await load(pool, url=ecb.url("daily.xml"))
    summary = await load(pool, url=ecb.url("hist.csv"))
    assert summary == {"days": 4, "rates": 4 * PER_DAY, "inserted": 3 * PER_DAY, "updated": 0,
                       "unchanged": PER_DAY, "firstDay": "2024-05-15", "lastDay": "2024-05-21"}
    assert len(await week_rows(pool)) == 4 * PER_DAY


async def test_a_corrected_rate_overwrites_only_what_changed(pool: asyncpg.Pool,
                                                            ecb: FakeEcb) -> None:
    await load(pool, url=ecb.url("daily.xml"))
    ecb.files["daily.xml"] = DAILY.replace("rate='1.0866'", "rate='1.0870'")
    summary = await load(pool, url=ecb.url("daily.xml"))
    # USD, and AED and SAR derived from it
    assert (summary["inserted"], summary["updated"], summary["unchanged"]) == (0, 3, PER_DAY - 3)
    stored = await week_rows(pool)
    assert stored[(FRIDAY, "USD")] == (Decimal("1.0870"), "ecb")
    assert stored[(FRIDAY, "SAR")] == (Decimal("1.0870") * Decimal("3.75"), "peg:USD")
    assert stored[(FRIDAY, "JPY")] == (Decimal("169.33"), "ecb")


async def test_a_load_cut_short_resumes_on_rerun(pool: asyncpg.Pool,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    real_upsert, calls = fx.upsert_rates, []

    async def dies_on_the_third_chunk(conn: object, rates: object) -> tuple[int, int]:
        calls.append(1)
        if len(calls) == 3:
            raise ConnectionError("ledger lost its database")
        return await real_upsert(conn, rates)  # type: ignore[arg-type]

    monkeypatch.setattr(fx, "CHUNK_DAYS", 1)
    monkeypatch.setattr(fx, "upsert_rates", dies_on_the_third_chunk)
    with pytest.raises(ConnectionError):
        await load(pool, content=HIST)
    assert len(await week_rows(pool)) == 2 * PER_DAY  # two days committed, one rolled back

    monkeypatch.setattr(fx, "upsert_rates", real_upsert)
    summary = await load(pool, content=HIST)
    assert (summary["inserted"], summary["unchanged"]) == (2 * PER_DAY, 2 * PER_DAY)
    assert len(await week_rows(pool)) == 4 * PER_DAY


@pytest.mark.parametrize(("name", "body", "error"), [
    ("missing.xml", None, FxSourceUnavailable),
    ("broken.xml", DAILY[: len(DAILY) // 2], FxFileInvalid),
    ("bad.csv", HIST.replace("1.0858", "1.08.58"), FxFileInvalid),
])
async def test_a_bad_source_writes_nothing(pool: asyncpg.Pool, ecb: FakeEcb, name: str,
                                           body: str | None, error: type[RekomiError]) -> None:
    if body is not None:
        ecb.files[name] = body
    with pytest.raises(error):
        await load(pool, url=ecb.url(name))
    assert await week_rows(pool) == {}


async def test_an_unreachable_source_is_one_clear_error(pool: asyncpg.Pool) -> None:
    with pytest.raises(FxSourceUnavailable) as info:
        await load(pool, url="http://127.0.0.1:9/daily.xml")
    assert info.value.code == "fx_source_unavailable"


async def test_refresh_job_runs_only_when_configured(pool: asyncpg.Pool, ecb: FakeEcb,
                                                    settings: Settings,
                                                    make_bus: MakeBus) -> None:
    bus = await make_bus("fx-refresh-test")
    off = ServiceContext("ledger", settings.model_copy(update={"fx_rates_url": ""}), pool, bus)
    start_fx_refresh(off, HttpFxSource(5))
    assert off.background == []

    configured = settings.model_copy(update={"fx_rates_url": ecb.url("daily.xml"),
                                             "fx_refresh_interval_seconds": 0.05})
    on = ServiceContext("ledger", configured, pool, bus)
    start_fx_refresh(on, HttpFxSource(5))
    try:
        for _ in range(100):
            if ecb.hits >= 2 and len(await week_rows(pool)) == PER_DAY:
                break
            await asyncio.sleep(0.05)
        assert ecb.hits >= 2 and len(await week_rows(pool)) == PER_DAY  # loaded, then again
    finally:
        for task in on.background:
            task.cancel()
        await asyncio.gather(*on.background, return_exceptions=True)


async def test_refresh_failure_is_reported_not_raised(pool: asyncpg.Pool, ecb: FakeEcb,
                                                      settings: Settings) -> None:
    broken = settings.model_copy(update={"fx_rates_url": ecb.url("missing.xml")})
    assert await refresh_once(pool, broken, HttpFxSource(5)) is False
    fine = settings.model_copy(update={"fx_rates_url": ecb.url("daily.xml")})
    assert await refresh_once(pool, fine, HttpFxSource(5)) is True
    assert len(await week_rows(pool)) == PER_DAY
