"""This month's paid payouts in the home currency (the billing state's
``partnerPayoutsThisMonthCents``), converted by the ledger's real ``fx.normalize`` over the
real broker and database: at the rate of each day paid, and without a rate, the home-currency
payouts alone."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from libs.contracts.billing import PaidOnDay, PaidSince
from libs.shared.bus import Bus
from libs.shared.db import create_pool
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from libs.shared.settings import Settings
from services.gateway.service_layer.billing_state import home_currency_total
from services.ledger.fx.adapters.source import HttpFxSource
from services.ledger.fx.domain.model import DayRate
from services.ledger.fx.entrypoints.rpc import add_fx_handlers
from services.ledger.fx.service_layer.handlers import load_rates
from tests.common.buses import MakeBus

# Days of 2002 that only this module writes rates for; 1990 precedes every rate there is.
PAID_DAY, LATER_DAY, NO_RATE_DAY = date(2002, 6, 3), date(2002, 6, 5), date(1990, 1, 2)
RATES = [("USD", PAID_DAY, "0.9000"), ("SEK", PAID_DAY, "9.0000"),
         ("USD", LATER_DAY, "0.9500")]


class _Renamed:
    """The gateway's bus as the service layer sees it, sending the ledger's calls to the fx
    handlers served under this test's own name (other tests may serve a "ledger" at once)."""

    def __init__(self, bus: Bus, ledger: str) -> None:
        self.bus, self.ledger = bus, ledger

    async def call(self, service: str, method: str, payload: dict[str, Any],
                   **options: Any) -> Any:
        assert service == "ledger", service
        return await self.bus.call(self.ledger, method, payload, **options)


@pytest.fixture
async def fx_pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    ledger = await create_pool(settings.database_url, "ledger", min_size=1, max_size=4)
    await ledger.execute("DELETE FROM fx_rates WHERE day BETWEEN '2002-06-01' AND '2002-06-09'")
    await load_rates(ledger, [DayRate(d, c, Decimal(r), "ecb") for c, d, r in RATES])
    yield ledger
    await ledger.close()


@pytest.fixture
async def bus(fx_pool: asyncpg.Pool, settings: Settings, make_bus: MakeBus) -> Any:
    name = f"ledger-billing-{uuid.uuid4().hex[:8]}"
    server = await make_bus(name)
    table = HandlerTable("ledger")
    add_fx_handlers(table, ServiceContext(name, settings, fx_pool, server),
                    HttpFxSource(settings.fx_fetch_timeout_seconds))
    await server.serve(table.handlers)
    return _Renamed(await make_bus(f"{name}-caller"), name)


def _paid(*items: tuple[str, date, int]) -> PaidSince:
    return PaidSince(items=[PaidOnDay(currency=c, day=d, amount_cents=a) for c, d, a in items])


async def test_each_currency_at_the_rate_of_the_day_it_was_paid(bus: Any) -> None:
    paid = _paid(("EUR", PAID_DAY, 10_000),    # 100 EUR * 0.90 = 90.00 USD
                 ("EUR", LATER_DAY, 10_000),   # 100 EUR * 0.95 = 95.00 USD
                 ("SEK", PAID_DAY, 1_000),     # 10 SEK / 9 * 0.90 = 1.00 USD
                 ("USD", PAID_DAY, 1_234))     # already home
    assert await home_currency_total(bus, paid, "USD") == 9_000 + 9_500 + 100 + 1_234


async def test_home_currency_payouts_need_no_rate(bus: Any) -> None:
    paid = _paid(("USD", NO_RATE_DAY, 500), ("USD", PAID_DAY, 700))
    assert await home_currency_total(bus, paid, "USD") == 1_200
    assert await home_currency_total(bus, _paid(), "USD") == 0


async def test_without_a_rate_only_the_home_currency_counts(bus: Any) -> None:
    paid = _paid(("EUR", NO_RATE_DAY, 10_000), ("USD", NO_RATE_DAY, 300),
                 ("USD", PAID_DAY, 700))
    assert await home_currency_total(bus, paid, "USD") == 1_000
