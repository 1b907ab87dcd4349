"""What Stripe's refunds, disputes and cancellations do to booked commission (issue 23),
through the running stack: a refund takes back its share of the commission pro rata (and
claws back a paid one from the next payout), a dispute holds the commission until it closes
(lost refunds it, won releases it), and a cancelled subscription books no later renewal."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp

from tests.common.orgs import Org
from tests.common.payouts_api import ledger_sql
from tests.common.provider_events import connect_stripe
from tests.common.s2s import Seller, seller, set_paid
from tests.common.stripe_payloads import (
    charge_refunded,
    checkout,
    conversions,
    dispute,
    invoice,
    processed,
    send_stripe,
    sid,
    subscription_deleted,
)
from tests.common.waiting import eventually
from tests.e2e.test_dashboard import get


async def _sold(http: aiohttp.ClientSession, total: int = 10000, tax: int = 0
                ) -> tuple[Seller, str, dict[str, Any], dict[str, Any]]:
    """A seller connected to Stripe, and one booked checkout credited by its metadata."""
    s = await seller(http)
    secret = await connect_stripe(http, s.org)
    paid = checkout(total=total, tax=tax, ref=s.slug)
    paid["charge"] = sid("ch")  # what charge events name it by (recorded with the sale)
    await send_stripe(http, s.org, secret, "checkout.session.completed", paid)
    [booked] = await conversions(http, s.org, paid["payment_intent"])
    return s, secret, paid, booked


async def _clawbacks(org_id: str) -> list[int]:
    rows = await ledger_sql("SELECT amount_cents FROM balance_adjustments WHERE org_id = $1 "
                            "ORDER BY created_at", uuid.UUID(org_id))
    return [r["amount_cents"] for r in rows]


def _charge(paid: dict[str, Any], refunded: int) -> dict[str, Any]:
    return {**charge_refunded(paid, refunded), "id": paid["charge"], "invoice": None}


async def test_a_full_refund_refunds_the_commission(http: aiohttp.ClientSession,
                                                    stack: object) -> None:
    s, secret, paid, booked = await _sold(http)
    event = await send_stripe(http, s.org, secret, "charge.refunded", _charge(paid, 10000))
    assert await processed(s.org, event) == "refunded"
    [refunded] = await conversions(http, s.org, paid["payment_intent"], status="Refunded")
    assert refunded["id"] == booked["id"]
    assert await _clawbacks(s.org.org_id) == []  # it was not paid yet


async def test_a_refund_after_payout_is_clawed_back(http: aiohttp.ClientSession,
                                                    stack: object) -> None:
    s, secret, paid, booked = await _sold(http)
    await set_paid(booked["id"])
    await send_stripe(http, s.org, secret, "charge.refunded", _charge(paid, 10000))
    await conversions(http, s.org, paid["payment_intent"], status="Refunded")
    assert await _clawbacks(s.org.org_id) == [-booked["commissionCents"]]


async def test_a_refund_before_its_payment_is_applied_when_the_payment_books(
        http: aiohttp.ClientSession, stack: object) -> None:
    s = await seller(http)
    secret = await connect_stripe(http, s.org)
    paid = invoice(total=4000, customer=sid("cus"))
    paid["metadata"] = {"rekomi_ref": s.slug}
    await send_stripe(http, s.org, secret, "charge.refunded", charge_refunded(paid, 4000))
    await send_stripe(http, s.org, secret, "invoice.paid", paid)
    await conversions(http, s.org, paid["id"], status="Refunded")


async def test_a_cancelled_subscription_books_no_later_renewal(http: aiohttp.ClientSession,
                                                               stack: object) -> None:
    s = await seller(http)
    secret = await connect_stripe(http, s.org)
    subscription, customer = sid("sub"), sid("cus")
    first = invoice(total=2000, subscription=subscription, customer=customer)
    first["metadata"] = {"rekomi_ref": s.slug}
    await send_stripe(http, s.org, secret, "invoice.paid", first)
    await conversions(http, s.org, first["id"])
    ended = await send_stripe(http, s.org, secret, "customer.subscription.deleted",
                              subscription_deleted(subscription, customer))
    assert await processed(s.org, ended) == "subscription_ended"
    late = invoice(total=2000, subscription=subscription, customer=customer,
                   reason="subscription_cycle",
                   status_transitions={"paid_at": 2_000_000_000})
    event = await send_stripe(http, s.org, secret, "invoice.paid", late)
    assert await processed(s.org, event) == "subscription_ended"


async def test_a_dispute_for_an_unknown_payment_books_nothing(http: aiohttp.ClientSession,
                                                              stack: object) -> None:
    s = await seller(http)
    secret = await connect_stripe(http, s.org)
    stray = {"id": sid("dp"), "object": "dispute", "charge": sid("ch"), "status": "lost"}
    event = await send_stripe(http, s.org, secret, "charge.dispute.closed", stray)
    assert await processed(s.org, event) == "sale_unknown"


async def _dispute_state(org_id: str, dispute_id: str) -> str | None:
    rows = await ledger_sql("SELECT state FROM conversion_disputes WHERE org_id = $1 "
                            "AND dispute_id = $2", uuid.UUID(org_id), dispute_id)
    return rows[0]["state"] if rows else None


async def test_disputes_hold_then_release_or_refund(http: aiohttp.ClientSession,
                                                    stack: object) -> None:
    s, secret, paid, booked = await _sold(http)
    disputed = dispute(paid, dispute_id=sid("dp"))
    event = await send_stripe(http, s.org, secret, "charge.dispute.created", disputed)
    assert await processed(s.org, event) == "dispute_opened"
    await eventually(lambda: _dispute_state(s.org.org_id, disputed["id"]),
                     what="the ledger holds the sale")
    event = await send_stripe(http, s.org, secret, "charge.dispute.closed",
                              {**disputed, "status": "won"})
    assert await processed(s.org, event) == "dispute_won"
    await eventually(lambda: _won(s.org.org_id, disputed["id"]), what="the hold released")
    [kept] = await conversions(http, s.org, paid["payment_intent"])
    assert (kept["id"], kept["status"]) == (booked["id"], "Pending")

    lost = dispute(paid, dispute_id=sid("dp"))
    await send_stripe(http, s.org, secret, "charge.dispute.created", lost)
    event = await send_stripe(http, s.org, secret, "charge.dispute.closed",
                              {**lost, "status": "lost"})
    assert await processed(s.org, event) == "dispute_lost"
    await conversions(http, s.org, paid["payment_intent"], status="Refunded")


async def _won(org_id: str, dispute_id: str) -> bool | None:
    return True if await _dispute_state(org_id, dispute_id) == "won" else None


async def test_partial_refunds_take_their_share_pro_rata(http: aiohttp.ClientSession,
                                                         stack: object) -> None:
    s, secret, paid, booked = await _sold(http, total=11000, tax=1000)
    commission = booked["commissionCents"]
    assert booked["amountCents"] == 10000
    # Stripe's amount_refunded is cumulative, of the 110.00 paid (tax included).
    await send_stripe(http, s.org, secret, "charge.refunded", _charge(paid, 2750))
    [quarter] = await conversions(http, s.org, paid["payment_intent"],
                                  commissionCents=commission - commission // 4)
    assert quarter["status"] == "Pending"
    await _dashboard_shows(http, s.org, (1, 7500, commission - commission // 4, 0))
    # A copy of the same step, then an older, smaller one arriving late: nothing changes.
    await send_stripe(http, s.org, secret, "charge.refunded", _charge(paid, 2750))
    await send_stripe(http, s.org, secret, "charge.refunded", _charge(paid, 1100))
    await set_paid(booked["id"])
    await send_stripe(http, s.org, secret, "charge.refunded", _charge(paid, 5500))
    # Paid at 75%: the step to 50% is clawed back from the next payout.
    assert await eventually(lambda: _clawbacks_or_none(s.org.org_id),
                            what="the clawback") == [-(commission // 4)]
    # the dashboard counts the Paid commission net of the claw-back
    await _dashboard_shows(http, s.org, (1, 5000, commission - commission // 2, 0))
    await send_stripe(http, s.org, secret, "charge.refunded", _charge(paid, 11000))
    [whole] = await conversions(http, s.org, paid["payment_intent"], status="Refunded")
    assert whole["id"] == booked["id"]
    await _dashboard_shows(http, s.org, (0, 0, 0, 1))
    assert sum(await _clawbacks(s.org.org_id)) == -(commission - commission // 4)


async def _dashboard_shows(http: aiohttp.ClientSession, org: Org,
                           expected: tuple[int, int, int, int]) -> None:
    """The overview's sales, gross revenue, commission and refunded sales reach
    ``expected`` (the rollups follow each refund step through the bus)."""
    async def shown() -> tuple[int, ...] | None:
        o = await get(http, org, "insights/overview")
        found = (o["conversions"], o["grossRevenueCents"], o["commissionCents"],
                 o["refundedConversions"])
        return found if found == expected else None

    await eventually(shown, what=f"the dashboard's overview at {expected}")


async def _clawbacks_or_none(org_id: str) -> list[int] | None:
    return await _clawbacks(org_id) or None


async def test_a_program_that_counts_tax_books_the_amount_with_tax(
        http: aiohttp.ClientSession, stack: object) -> None:
    s = await seller(http, commissionIncludesTax=True)
    secret = await connect_stripe(http, s.org)
    paid = checkout(total=12000, tax=2000, ref=s.slug)
    await send_stripe(http, s.org, secret, "checkout.session.completed", paid)
    [booked] = await conversions(http, s.org, paid["payment_intent"])
    rate = s.program["defaultCommissionValue"]
    assert (booked["amountCents"], booked["commissionCents"]) == (12000, 12000 * rate // 100)
