"""The ledger's ``fx.normalize`` and ``fx.load`` methods over the real broker and database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from libs.shared.bus import Bus
from libs.shared.bus_rpc import RemoteError
from libs.shared.db import create_pool
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from libs.shared.settings import Settings
from services.ledger.fx.adapters.source import HttpFxSource
from services.ledger.fx.domain.model import DayRate
from services.ledger.fx.entrypoints.rpc import add_fx_handlers
from services.ledger.fx.service_layer.handlers import load_rates
from tests.common.buses import MakeBus

# A week of 2001 that only these tests write: Friday 2 March, then Monday 5 March.
FRIDAY, MONDAY = date(2001, 3, 2), date(2001, 3, 5)
RATES = [("USD", FRIDAY, "0.9300"), ("JPY", FRIDAY, "108.50"), ("USD", MONDAY, "0.9400"),
         ("JPY", MONDAY, "109.00"), ("GBP", MONDAY, "0.6400")]


@pytest.fixture
async def pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    ledger = await create_pool(settings.database_url, "ledger", min_size=1, max_size=4)
    await ledger.execute("DELETE FROM fx_rates WHERE day BETWEEN '2001-02-26' AND '2001-03-11'")
    await load_rates(ledger, [DayRate(d, c, Decimal(r), "ecb") for c, d, r in RATES])
    yield ledger
    await ledger.close()


@pytest.fixture
async def ledger(pool: asyncpg.Pool, settings: Settings, make_bus: MakeBus
                 ) -> AsyncIterator[tuple[Bus, str]]:
    """The fx handlers served under a service name of their own; yields (client, name)."""
    name = f"ledger-fx-{uuid.uuid4().hex[:8]}"
    server = await make_bus(name)
    table = HandlerTable("ledger")
    add_fx_handlers(table, ServiceContext(name, settings, pool, server),
                    HttpFxSource(settings.fx_fetch_timeout_seconds))
    await server.serve(table.handlers)
    yield await make_bus(f"{name}-caller"), name


def item(amount: int, currency: str, day: date) -> dict[str, Any]:
    return {"amountCents": amount, "currency": currency, "day": day.isoformat()}


async def test_normalize_amounts_at_the_rate_of_their_day(ledger: tuple[Bus, str]) -> None:
    client, name = ledger
    reply = await client.call(name, "fx.normalize", {"homeCurrency": "USD", "items": [
        item(10_000, "EUR", FRIDAY),               # 100 EUR * 0.93
        item(10_000, "EUR", date(2001, 3, 4)),     # Sunday: Friday's rate
        item(10_000, "EUR", MONDAY),               # 100 EUR * 0.94
        item(10_850, "JPY", FRIDAY),               # 10850 yen / 108.5 * 0.93 = 93.00 USD
        item(-2_500, "USD", MONDAY),               # already home: untouched
        item(1_000, "GBP", MONDAY),                # 10 GBP / 0.64 * 0.94 = 14.6875 -> 14.69
    ]})
    assert reply == {"homeCurrency": "USD", "totalCents": 9_300 + 9_300 + 9_400 + 9_300
                     - 2_500 + 1_469, "items": [
        {"amountCents": 9_300, "rateDay": "2001-03-02"},
        {"amountCents": 9_300, "rateDay": "2001-03-02"},
        {"amountCents": 9_400, "rateDay": "2001-03-05"},
        {"amountCents": 9_300, "rateDay": "2001-03-02"},
        {"amountCents": -2_500, "rateDay": None},
        {"amountCents": 1_469, "rateDay": "2001-03-05"},
    ]}


async def test_normalize_to_a_zero_decimal_home_currency(ledger: tuple[Bus, str]) -> None:
    client, name = ledger
    reply = await client.call(name, "fx.normalize", {"homeCurrency": "JPY", "items": [
        item(9_300, "USD", FRIDAY), item(1, "EUR", MONDAY)]})
    # 93 USD -> 10850 yen; 0.01 EUR -> 1.09 yen -> 1
    assert [i["amountCents"] for i in reply["items"]] == [10_850, 1]


async def test_no_items_needs_no_rates(ledger: tuple[Bus, str]) -> None:
    client, name = ledger
    assert await client.call(name, "fx.normalize", {"homeCurrency": "EUR", "items": []}) == {
        "homeCurrency": "EUR", "totalCents": 0, "items": []}


async def test_a_day_before_any_rate_is_a_clear_error(ledger: tuple[Bus, str]) -> None:
    client, name = ledger
    with pytest.raises(RemoteError) as info:
        await client.call(name, "fx.normalize", {"homeCurrency": "EUR", "items": [
            item(100, "USD", FRIDAY), item(100, "USD", date(1950, 1, 2))]})
    assert info.value.code == "fx_rate_unavailable"
    assert info.value.extra == {"currency": "USD", "day": "1950-01-02"}


@pytest.mark.parametrize(("payload", "code", "field"), [
    ({"homeCurrency": "BGN", "items": []}, "unsupported_currency", "homeCurrency"),
    ({"homeCurrency": "USD", "items": [item(1, "XYZ", FRIDAY)]}, "unsupported_currency",
     "items.0.currency"),
    ({"homeCurrency": "USD", "items": [{**item(1, "EUR", FRIDAY), "amountCents": 1.5}]},
     "validation_failed", "items.0.amountCents"),
    ({"homeCurrency": "USD", "items": [{**item(1, "EUR", FRIDAY), "day": "yesterday"}]},
     "validation_failed", "items.0.day"),
])
async def test_bad_input_is_refused_with_its_field(ledger: tuple[Bus, str],
                                                   payload: dict[str, Any], code: str,
                                                   field: str) -> None:
    client, name = ledger
    with pytest.raises(RemoteError) as info:
        await client.call(name, "fx.normalize", payload)
    assert (info.value.code, info.value.field) == (code, field)


async def test_load_over_the_bus(ledger: tuple[Bus, str], pool: asyncpg.Pool) -> None:
    client, name = ledger
    content = "Date,USD,JPY,\n2001-03-06,0.9350,N/A,\n"
    reply = await client.call(name, "fx.load", {"content": content})
    assert reply == {"days": 1, "rates": 3, "inserted": 3, "updated": 0, "unchanged": 0,
                     "firstDay": "2001-03-06", "lastDay": "2001-03-06"}  # USD, AED, SAR
    with pytest.raises(RemoteError) as info:
        await client.call(name, "fx.load", {"content": content, "url": "https://x.test/"})
    assert info.value.code == "validation_failed"
    with pytest.raises(RemoteError) as info:
        await client.call(name, "fx.load", {"content": "Date,USD\n2001-03-07,zero\n"})
    assert info.value.code == "fx_file_invalid"
    assert await pool.fetchval("SELECT count(*) FROM fx_rates WHERE day = '2001-03-07'") == 0
