"""StripeConnect payouts on the whole stack against localstripe: the transfer worker pays, a
refused transfer fails the payout, retry and cancel, the events, and a payouts process killed
after Stripe moved the money but before our write, which must not pay twice."""

from __future__ import annotations

import json
import os
import signal
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.common.api import audit_page
from tests.common.events import EventRecorder
from tests.common.payouts_api import (
    approved_sale,
    ledger_sql,
    payout_call,
    preview,
    run,
    statuses_become,
)
from tests.common.s2s import Seller, seller
from tests.common.stack import Stack
from tests.common.stripe_server import LocalStripe
from tests.common.waiting import eventually
from tests.e2e.test_launcher import service_pids

STRIPE = {"method": "StripeConnect"}


@pytest.fixture
async def stripe(stripe_base: str) -> AsyncIterator[LocalStripe]:
    async with aiohttp.ClientSession() as session:
        client = LocalStripe(stripe_base, session)
        yield client
        await client.faults(count=0)


async def pay_to(affiliate_id: str, account: str | None) -> None:
    """The affiliate's connected account (what ``rekomi admin payout-details`` sets)."""
    await ledger_sql("UPDATE affiliates SET stripe_account_id = $2 WHERE id = $1",
                     uuid.UUID(affiliate_id), account)


async def settled(http: aiohttp.ClientSession, s: Seller, payout_id: str,
                  status: str, timeout: float = 20) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        code, got = await payout_call(http, s.org, f"/{payout_id}", method="GET")
        assert code == 200, got
        return got if got["status"] == status else None

    return await eventually(probe, timeout=timeout, what=f"payout {payout_id} {status}")


async def test_a_payout_is_paid_by_one_transfer_to_the_connected_account(
        http: aiohttp.ClientSession, stripe: LocalStripe) -> None:
    s = await seller(http)
    account = await stripe.connected_account()
    made = await approved_sale(http, s)
    assert (await preview(http, s.org, **STRIPE))["candidates"][0]["ineligibilityReason"] == \
        "no_stripe_connect"
    await pay_to(s.affiliate["id"], account)
    [started] = await run(http, s.org, made["commissionCents"], **STRIPE)
    assert (started["status"], started["stripeTransferId"]) == ("Processing", None)

    paid = await settled(http, s, started["id"], "Paid")
    [transfer] = await stripe.transfers(account)
    assert paid["stripeTransferId"] == transfer["id"]
    assert (transfer["amount"], transfer["currency"]) == (made["commissionCents"], "usd")
    await statuses_become(http, s.org, [made["id"]], "Paid")


async def test_a_refused_transfer_fails_the_payout_until_a_retry_pays_it(
        http: aiohttp.ClientSession, stripe: LocalStripe) -> None:
    events = await EventRecorder.start(("payout.*",))
    try:
        s = await seller(http)
        made = await approved_sale(http, s)
        await pay_to(s.affiliate["id"], "acct_NoSuchAccount")
        [started] = await run(http, s.org, made["commissionCents"], **STRIPE)
        failed = await settled(http, s, started["id"], "Failed")
        assert failed["failureReason"] == "stripe:resource_missing"
        assert failed["failedAt"] is not None
        # Still claimed: the failed payout keeps its commission until retried or cancelled.
        assert (await preview(http, s.org, **STRIPE))["candidates"] == []
        assert (await ledger_sql("SELECT status FROM conversions WHERE id = $1",
                                 uuid.UUID(made["id"])))[0]["status"] == "Approved"

        account = await stripe.connected_account()
        await pay_to(s.affiliate["id"], account)
        code, retried = await payout_call(http, s.org, f"/{started['id']}/retry")
        assert (code, retried["status"]) == (200, "Processing"), retried
        paid = await settled(http, s, started["id"], "Paid")
        assert paid["failureReason"] is None
        assert [t["id"] for t in await stripe.transfers(account)] == [paid["stripeTransferId"]]
        seen = await events.settled(lambda d: d.body["data"]["id"] == started["id"], 3)
        assert [d.routing_key for d in seen] == ["payout.created", "payout.failed",
                                                 "payout.paid"]
        [logged] = await audited(http, s, "payout.retried")
        assert (logged["entityType"], logged["entityId"]) == ("payout", started["id"])
    finally:
        await events.stop()


async def test_cancelling_a_failed_payout_makes_its_commissions_payable_again(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    made = await approved_sale(http, s)
    await pay_to(s.affiliate["id"], "acct_NoSuchAccount")
    [started] = await run(http, s.org, made["commissionCents"], **STRIPE)
    await settled(http, s, started["id"], "Failed")
    code, cancelled = await payout_call(http, s.org, f"/{started['id']}/cancel")
    assert (code, cancelled["status"]) == (200, "Cancelled"), cancelled
    [logged] = await audited(http, s, "payout.cancelled")
    assert json.loads(logged["after"])["status"] == "Cancelled"
    code, again = await payout_call(http, s.org, f"/{started['id']}/retry")
    assert (code, again["error"]) == (409, "payout_not_retryable")

    async def released() -> dict[str, Any] | None:
        shown = await preview(http, s.org)
        return shown if shown["totalCents"] == made["commissionCents"] else None

    await eventually(released, what="the commission payable again")
    [paid] = await run(http, s.org, made["commissionCents"])
    assert [li["conversionId"] for li in paid["lineItems"]] == [made["id"]]
    await statuses_become(http, s.org, [made["id"]], "Paid")


async def test_a_sender_killed_after_stripe_moved_the_money_never_pays_twice(
        http: aiohttp.ClientSession, stripe: LocalStripe, stack: Stack) -> None:
    s = await seller(http)
    account = await stripe.connected_account()
    await pay_to(s.affiliate["id"], account)
    made = await approved_sale(http, s)
    # Stripe makes the transfer, then its answer takes 30 s: the sender dies waiting.
    await stripe.faults(count=1, status=0, when="after", delay=30,
                        path="/v1/transfers", method="POST")
    [started] = await run(http, s.org, made["commissionCents"], **STRIPE)
    await eventually(lambda: _made(stripe, account), what="the transfer at Stripe")
    assert stack.proc is not None
    victim = service_pids(stack.proc.pid)["payouts"]
    os.kill(victim, signal.SIGKILL)

    # Restarted by the supervisor, the next sender finds the lease run out and sends the same
    # attempt again: Stripe answers with the transfer it made (same idempotency key).
    paid = await settled(http, s, started["id"], "Paid", timeout=40)
    assert service_pids(stack.proc.pid)["payouts"] != victim
    transfers = await stripe.transfers(account)
    assert [t["id"] for t in transfers] == [paid["stripeTransferId"]]
    await statuses_become(http, s.org, [made["id"]], "Paid")


async def audited(http: aiohttp.ClientSession, s: Seller, action: str
                  ) -> list[dict[str, Any]]:
    async def probe() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = (await audit_page(http, s.org, action=action))["items"]
        return items or None

    return await eventually(probe, what=f"audit {action}")


async def _made(stripe: LocalStripe, account: str) -> bool | None:
    return True if await stripe.transfers(account) else None


