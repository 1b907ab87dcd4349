"""Stripe and Paddle objects as their webhooks carry them (fields as their API references
document them, API version 2024-06-20 for Stripe), wrapped in signed events and posted to an
org's endpoint; and what the ingestion made of them (the stored event's outcome, the org's
conversions)."""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aiohttp

from libs.shared import jsonutil
from tests.common.orgs import Org
from tests.common.provider_events import (
    paddle_signature,
    post_event,
    stripe_signature,
    tracking_sql,
)
from tests.common.waiting import eventually


def sid(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def invoice(*, total: int = 10000, tax: int = 0, customer: str | None = None,
            subscription: str | None = None, reason: str = "subscription_create",
            coupon: str | None = None, promotion_code: str | None = None,
            email: str | None = None, **extra: Any) -> dict[str, Any]:
    """A paid invoice: ``total`` is what the customer paid (after the coupon, tax included);
    the coupon's promotion code by id, as Stripe sends it unexpanded."""
    return {
        "id": sid("in"), "object": "invoice", "customer": customer or sid("cus"),
        "customer_email": email, "subscription": subscription, "billing_reason": reason,
        "currency": "usd", "subtotal": total - tax, "tax": tax, "total": total,
        "amount_paid": total, "status": "paid", "paid": True,
        "discount": None if coupon is None else {
            "object": "discount", "coupon": {"id": coupon, "object": "coupon"},
            "promotion_code": promotion_code},
        "charge": sid("ch"), "payment_intent": sid("pi"),
        "status_transitions": {"paid_at": int(time.time())}, **extra}


def checkout(*, total: int = 10000, tax: int = 0, customer: str | None = None,
             ref: str | None = None, client_reference_id: str | None = None,
             mode: str = "payment", invoice_id: str | None = None,
             subscription: str | None = None, email: str | None = None, **extra: Any
             ) -> dict[str, Any]:
    return {
        "id": sid("cs"), "object": "checkout.session", "mode": mode, "payment_status": "paid",
        "status": "complete", "amount_total": total, "amount_subtotal": total - tax,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": tax},
        "currency": "usd", "customer": customer or sid("cus"),
        "customer_details": {"email": email}, "client_reference_id": client_reference_id,
        "metadata": {} if ref is None else {"rekomi_ref": ref}, "invoice": invoice_id,
        "subscription": subscription,
        "payment_intent": None if mode == "subscription" else sid("pi"), **extra}


def charge_refunded(paid: dict[str, Any], refunded: int, amount: int | None = None
                    ) -> dict[str, Any]:
    """The charge of an invoice (or a payment-mode checkout), ``refunded`` in all so far."""
    total = amount if amount is not None else paid.get("total", paid.get("amount_total"))
    return {"id": paid.get("charge") or sid("ch"), "object": "charge", "amount": total,
            "amount_refunded": refunded, "refunded": refunded >= total, "currency": "usd",
            "invoice": paid["id"] if paid["object"] == "invoice" else None,
            "payment_intent": paid.get("payment_intent")}


def dispute(paid: dict[str, Any], status: str = "needs_response",
            dispute_id: str | None = None) -> dict[str, Any]:
    return {"id": dispute_id or sid("dp"), "object": "dispute", "charge": paid.get("charge"),
            "payment_intent": paid.get("payment_intent"), "status": status,
            "amount": paid.get("total"), "currency": "usd"}


def subscription_deleted(subscription: str, customer: str) -> dict[str, Any]:
    now = int(time.time())
    return {"id": subscription, "object": "subscription", "customer": customer,
            "status": "canceled", "canceled_at": now, "ended_at": now}


def stripe_body(event_type: str, thing: dict[str, Any], event_id: str | None = None) -> str:
    return jsonutil.dumps_str({
        "id": event_id or sid("evt"), "object": "event", "api_version": "2024-06-20",
        "created": int(time.time()), "type": event_type, "livemode": False,
        "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
        "data": {"object": thing}})


async def send_stripe(http: aiohttp.ClientSession, org: Org, secret: str, event_type: str,
                      thing: dict[str, Any], event_id: str | None = None) -> str:
    """Post one signed event; its id once tracking has booked it (or decided it books
    nothing)."""
    body = stripe_body(event_type, thing, event_id)
    status, answer = await post_event(http, "stripe", org.handle, body,
                                      stripe_signature(body, secret))
    assert status == 200, answer
    event = str(jsonutil.loads(body)["id"])
    await processed(org, event)
    return event


def paddle_transaction(*, total: int = 10000, tax: int = 0, ref: str | None = None,
                       customer: str | None = None, subscription: str | None = None,
                       origin: str = "web", discount: str | None = None) -> dict[str, Any]:
    amounts = {"subtotal": str(total - tax), "discount": "0", "tax": str(tax),
               "total": str(total), "grand_total": str(total), "currency_code": "USD"}
    return {"id": f"txn_01{secrets.token_hex(12)}", "status": "completed",
            "customer_id": customer or f"ctm_01{secrets.token_hex(12)}",
            "subscription_id": subscription, "origin": origin, "currency_code": "USD",
            "discount_id": discount, "custom_data": None if ref is None else {"rekomi_ref": ref},
            "details": {"totals": amounts}, "billed_at": datetime.now(UTC).isoformat()}


def paddle_refund(transaction: dict[str, Any], amount: int, *, full: bool = False
                  ) -> dict[str, Any]:
    return {"id": f"adj_01{secrets.token_hex(12)}", "action": "refund",
            "transaction_id": transaction["id"], "status": "approved",
            "type": "full" if full else "partial", "currency_code": "USD",
            "totals": {"subtotal": str(amount), "tax": "0", "total": str(amount),
                       "currency_code": "USD"}}


async def send_paddle(http: aiohttp.ClientSession, org: Org, secret: str, event_type: str,
                      data: dict[str, Any]) -> str:
    event_id = f"evt_01{secrets.token_hex(12)}"
    body = jsonutil.dumps_str({"event_id": event_id, "event_type": event_type,
                               "occurred_at": datetime.now(UTC).isoformat(),
                               "notification_id": f"ntf_01{secrets.token_hex(8)}",
                               "data": data})
    status, answer = await post_event(http, "paddle", org.handle, body,
                                      paddle_signature(body, secret))
    assert status == 200, answer
    await processed(org, event_id)
    return event_id


async def processed(org: Org, event_id: str) -> str:
    """The stored event's outcome, once tracking has processed it."""
    async def outcome() -> str | None:
        rows = await tracking_sql(
            "SELECT outcome FROM provider_events WHERE org_id = $1 AND event_id = $2 "
            "AND processed_at IS NOT NULL", uuid.UUID(org.org_id), event_id)
        return str(rows[0]["outcome"]) if rows else None

    return await eventually(outcome, what=f"provider event {event_id} processed")


async def conversions(http: aiohttp.ClientSession, org: Org, external_event_id: str,
                      count: int = 1, **expected: Any) -> list[dict[str, Any]]:
    """The org's sale conversions (no overrides) with this externalEventId, once ``count``
    are booked and the first shows the ``expected`` fields (compared whole by callers, so
    one too many fails)."""
    async def rows() -> list[dict[str, Any]] | None:
        async with http.get("/api/v1/conversions", params={"take": "200"},
                            headers=org.auth) as response:
            body = await response.json()
            assert response.status == 200, body
        found = [c for c in body["items"] if c["externalEventId"] == external_event_id
                 and c["parentAffiliateConversionId"] is None]
        if len(found) < count or any(found[0][k] != v for k, v in expected.items()):
            return None
        return found

    return await eventually(rows, what=f"{count} conversions of {external_event_id}")


async def sale_rows(org: Org) -> list[Any]:
    """Tracking's accepted sales of the org (one per externalEventId)."""
    return await tracking_sql("SELECT external_event_id, affiliate_id FROM s2s_events "
                              "WHERE org_id = $1 AND kind = 'sale'", uuid.UUID(org.org_id))
