"""The payouts service's ``me.payouts`` over the real RabbitMQ and PostgreSQL: an affiliate
person's payouts across its memberships (two orgs), newest first in cursor pages with their line
items; another affiliate's never, and an ``affiliateId`` outside the memberships is 404."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from libs.contracts.me_payouts import LIST_MY_PAYOUTS
from libs.shared.bus import Bus, RemoteError
from libs.shared.db import create_pool
from libs.shared.runtime import ServiceContext
from libs.shared.settings import Settings
from services.payouts.adapters.repository import PayoutsRepository
from services.payouts.domain.model import LineItem, Payout
from services.payouts.domain.transfers import MethodNotConfigured, PaymentMethod
from services.payouts.entrypoints.rpc import handlers
from services.payouts.service_layer.deps import PayoutsDeps
from tests.common.buses import MakeBus

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)


@pytest.fixture
async def payouts_pool(settings: Settings, migrated: None) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(settings.database_url, "payouts", min_size=1, max_size=4)
    yield pool
    await pool.close()


def _no_method(name: str) -> PaymentMethod:
    raise MethodNotConfigured(name)  # this module sends no money


@pytest.fixture
async def ask(payouts_pool: asyncpg.Pool, settings: Settings, make_bus: MakeBus) -> Any:
    """Calls ``me.payouts`` on the payouts service's table, served under this test's own name
    (another test may serve a "payouts" at once)."""
    name = f"payouts-me-{uuid.uuid4().hex[:8]}"
    server = await make_bus(name)
    table = handlers(ServiceContext("payouts", settings, payouts_pool, server),
                     PayoutsDeps(payouts_pool, server, _no_method))
    await server.serve(table.handlers)
    client: Bus = await make_bus(f"{name}-caller")

    async def ask(payload: dict[str, Any]) -> Any:
        return await client.call(name, LIST_MY_PAYOUTS.name, payload)

    return ask


async def _paid(pool: asyncpg.Pool, org_id: uuid.UUID, affiliate_id: uuid.UUID,
                amount: int, currency: str, at: datetime) -> uuid.UUID:
    """One Manual payout of ``amount`` with one line item, paid at ``at``."""
    run_id, payout_id = uuid.uuid4(), uuid.uuid4()
    async with pool.acquire() as conn:
        repo = PayoutsRepository(conn)
        await repo.add_run(run_id, org_id, "Manual", date(2026, 4, 1), date(2026, 4, 30), None,
                           None, at)
        await repo.add_payouts(
            [Payout(payout_id, org_id, run_id, affiliate_id, amount, currency, "Manual", "Paid",
                    1, None, None, None, None, date(2026, 4, 1), date(2026, 4, 30), at, at,
                    None, None, None)],
            [LineItem(uuid.uuid4(), payout_id, uuid.uuid4(), amount)])
    return payout_id


def _member(org_id: uuid.UUID, affiliate_id: uuid.UUID) -> dict[str, str]:
    """A membership as the gateway sends it (the payouts service reads the two ids only)."""
    return {"orgId": str(org_id), "affiliateId": str(affiliate_id),
            "programId": str(uuid.uuid4()), "status": "Approved", "orgName": "Org",
            "orgHandle": "org"}


async def test_an_affiliates_payouts_across_its_memberships(
        payouts_pool: asyncpg.Pool, ask: Any) -> None:
    org_a, org_b = uuid.uuid4(), uuid.uuid4()
    pat_a, pat_b, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    oldest = await _paid(payouts_pool, org_a, pat_a, 2_000, "USD", T0)
    middle = await _paid(payouts_pool, org_b, pat_b, 1_500, "EUR", T0 + timedelta(days=1))
    newest = await _paid(payouts_pool, org_a, pat_a, 700, "USD", T0 + timedelta(days=2))
    await _paid(payouts_pool, org_a, other, 9_999, "USD", T0 + timedelta(days=3))
    # Pat's affiliate id under the other org would be someone else's: not a membership.
    await _paid(payouts_pool, org_b, pat_a, 8_888, "USD", T0 + timedelta(days=4))
    mine = [_member(org_a, pat_a), _member(org_b, pat_b)]

    first = await ask({"memberships": mine, "take": 2})
    assert [(p["id"], p["affiliateId"], p["amountCents"], p["currency"], p["status"])
            for p in first["items"]] == [(str(newest), str(pat_a), 700, "USD", "Paid"),
                                         (str(middle), str(pat_b), 1_500, "EUR", "Paid")]
    assert [li["amountCents"] for li in first["items"][0]["lineItems"]] == [700]
    assert first["hasMore"] is True
    rest = await ask({"memberships": mine, "take": 2, "cursor": first["nextCursor"]})
    assert [p["id"] for p in rest["items"]] == [str(oldest)]
    assert (rest["nextCursor"], rest["hasMore"]) == (None, False)

    only_b = await ask({"memberships": mine, "affiliateId": str(pat_b)})
    assert [p["id"] for p in only_b["items"]] == [str(middle)]
    assert (await ask({"memberships": []}))["items"] == []


async def test_another_affiliate_is_not_found_and_a_bad_query_is_refused(ask: Any) -> None:
    mine = [_member(uuid.uuid4(), uuid.uuid4())]
    with pytest.raises(RemoteError) as refused:
        await ask({"memberships": mine, "affiliateId": str(uuid.uuid4())})
    assert (refused.value.code, refused.value.field) == ("affiliate_not_found", "affiliateId")
    for bad, field in (({"take": 0}, "take"), ({"cursor": "%%"}, "cursor")):
        with pytest.raises(RemoteError) as refused:
            await ask({"memberships": mine, **bad})
        assert (refused.value.code, refused.value.field) == ("validation_failed", field)
