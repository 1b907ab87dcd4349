"""localstripe's webhooks sent to an org's Stripe endpoint, and a subscription bought with a
coupon through the official ``stripe`` client, for end-to-end tests of Stripe ingestion.

What localstripe 1.15 sends (read from ``localstripe/webhooks.py`` and ``resources.py``; with
``tests.common.localstripe_billing`` where marked +):

- Configuration: ``POST /_config/webhooks/{id}`` ``{"url", "secret", "events": [...] | null}``
  registers (or replaces) a webhook; every event goes to every registered webhook whose
  ``events`` holds its type (all types when null), whatever API key made it: one process is one
  Stripe account. Removing one is ``DELETE /_config/webhooks/{id}`` (+).
- Delivery: about 1 s after the event (an ``asyncio.sleep(1)``), one POST per webhook, the
  webhooks one after another in the order they were first registered; never retried (a non-2xx
  answer is only logged). Body: the event as JSON (indent 2, sorted keys); headers
  ``Content-Type: application/json; charset=utf-8`` and ``Stripe-Signature: t=<event.created>,
  v1=<hex HMAC-SHA256 of "<t>.<body>" under the whole secret, "whsec_" included>``: exactly
  the scheme the official library verifies (Stripe adds ``v0=`` in test mode; localstripe does
  not). ``t`` is the event's creation time, not the delivery's.
- Events: ``{"id": "evt_...", "object": "event", "type", "created", "livemode": false,
  "api_version": "2017-08-15", "data": {"object": <the object when the event was made>}}`` (no
  ``request``, ``pending_webhooks`` or ``data.previous_attributes``).
- Types: ``customer.created`` / ``.updated`` / ``.deleted``, ``customer.source.created``,
  ``coupon.created`` (+), ``plan.created``, ``product.created``,
  ``customer.subscription.created`` (once its first invoice is paid: ``status`` active) and
  ``customer.subscription.deleted`` (cancel: ``status`` canceled, ``ended_at``; no
  ``customer.subscription.updated`` ever), ``invoice.created`` (a draft),
  ``invoice.payment_succeeded``, ``invoice.paid`` (+), ``invoice.payment_failed``,
  ``payment_intent.succeeded`` / ``.payment_failed``, ``charge.refunded`` (+), ``payout.*``,
  ``balance.available``. Never: ``invoice.finalized``, ``charge.succeeded``,
  ``checkout.session.completed``, ``charge.dispute.*``, ``promotion_code.*``.
- An invoice (``data.object`` of ``invoice.*``): ``customer`` (``cus_``), ``customer_email``,
  ``subscription`` (``sub_``) and ``parent.subscription_details.subscription``, ``currency``
  (lower case), ``subtotal``, ``tax`` (exclusive rates only: an inclusive rate is added on top
  too), ``total_tax_amounts``, ``total``, ``amount_due``, ``amount_paid``, ``status``,
  ``payment_intent`` (``pi_``), ``charge`` (``ch_``; + as an id, localstripe embeds the object),
  ``lines``, ``period_start``/``period_end``; + ``billing_reason``, ``discount`` (the Discount
  object: ``coupon`` with its ``id``, ``promotion_code`` always null), ``discounts`` (its id),
  ``total_discount_amounts``, ``total_excluding_tax`` (= ``subtotal`` - discounts: the amount
  net of discount and tax). Without the extension the coupon is refused (``discounts`` and
  ``coupon`` are unknown parameters), ``billing_reason`` is null and ``invoice.paid`` is never
  sent.
- A charge (``charge.refunded``, +): ``amount``, ``amount_refunded`` (cumulative),
  ``refunded``, ``refunds``, ``customer``, ``payment_intent``, ``invoice`` (+).
- Promotion codes (+, ``tests.common.localstripe_promotions``): created and read through the
  API only (a subscription's ``discounts`` take a coupon, never a promotion code).
- Gaps left: no Checkout sessions, no disputes, no renewals (no clock: a subscription is
  invoiced once, at creation; a later invoice only by a plan change or ``POST /v1/invoices``,
  ``billing_reason`` ``subscription_update`` or ``manual``, never ``subscription_cycle``),
  ``price`` objects (items take a ``plan``), a zero-total first invoice is paid without
  ``invoice.paid`` or ``invoice.payment_succeeded``. Those paths are tested with events built
  and signed as Stripe does (``tests.common.provider_events``)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import stripe

from tests.common.orgs import Org
from tests.common.provider_events import stored_events
from tests.common.stripe_server import API_KEY
from tests.common.waiting import eventually

CARD: dict[str, Any] = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030,
                        "cvc": "123"}


def endpoint_of(stack_base_url: str, org: Org) -> str:
    return f"{stack_base_url}/api/integrations/stripe/{org.handle}"


@asynccontextmanager
async def webhook(stripe_base: str, url: str, secret: str,
                  events: Iterable[str] | None = None) -> AsyncIterator[str]:
    """localstripe sends events (of ``events``' types, else all) to ``url`` signed with
    ``secret`` while the block runs; the webhook's id."""
    webhook_id = "wh_" + secrets.token_hex(8)
    body = {"url": url, "secret": secret, "events": None if events is None else list(events)}
    async with aiohttp.ClientSession(base_url=stripe_base) as session:
        async with session.post(f"/_config/webhooks/{webhook_id}", json=body) as response:
            assert response.status == 200, await response.text()
        try:
            yield webhook_id
        finally:
            async with session.delete(f"/_config/webhooks/{webhook_id}") as response:
                assert response.status == 204, await response.text()


async def arrived(org: Org, types: Iterable[str], timeout: float = 10.0) -> list[Any]:
    """The org's stored Stripe events once one of each type in ``types`` is there."""
    wanted = set(types)

    async def probe() -> list[Any] | None:
        rows = [row for row in await stored_events(org) if row["provider"] == "stripe"]
        return rows if wanted <= {row["event_type"] for row in rows} else None

    return await eventually(probe, timeout=timeout, what=f"Stripe events {sorted(wanted)}")


@asynccontextmanager
async def stripe_client(stripe_base: str) -> AsyncIterator[stripe.StripeClient]:
    """The official client against localstripe, on asyncio (as the payouts adapter uses it)."""
    http = stripe.AIOHTTPClient()
    try:
        yield stripe.StripeClient(API_KEY, base_addresses={"api": stripe_base},
                                  http_client=http, max_network_retries=0)
    finally:
        await http.close_async()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Subscribed:
    coupon_id: str
    customer_id: str
    subscription_id: str
    invoice: dict[str, Any]  # the first invoice, paid, as the API answers it


def new_coupon_id() -> str:
    """A coupon id of our own (localstripe's store is shared by the whole test session), also
    a valid Rekomi coupon code."""
    return f"SPRING{uuid.uuid4().hex[:10].upper()}"


async def subscribe_with_coupon(client: stripe.StripeClient, *, coupon_id: str, email: str,
                                amount: int, percent_off: int, tax_percent: int,
                                currency: str = "usd") -> Subscribed:
    """The coupon (``percent_off``, once), a card, a customer paying with it by default, and a
    monthly subscription with the coupon and an exclusive tax rate; its first invoice is paid
    at once."""
    v1 = client.v1
    coupon = await v1.coupons.create_async({"id": coupon_id, "percent_off": percent_off,
                                            "duration": "once"})
    card_params: Any = {"type": "card", "card": dict(CARD)}  # localstripe takes raw numbers
    card = await v1.payment_methods.create_async(card_params)
    customer = await v1.customers.create_async({
        "email": email, "payment_method": card.id,
        "invoice_settings": {"default_payment_method": card.id}})
    plan = await v1.plans.create_async({"amount": amount, "currency": currency,
                                        "interval": "month", "product": {"name": "Pro"}})
    vat = await v1.tax_rates.create_async({"display_name": "VAT", "inclusive": False,
                                           "percentage": tax_percent})
    subscription = await v1.subscriptions.create_async({
        "customer": customer.id, "items": [{"plan": plan.id}],
        "discounts": [{"coupon": coupon.id}], "default_tax_rates": [vat.id]})
    invoice = await v1.invoices.retrieve_async(str(subscription.latest_invoice))
    return Subscribed(coupon.id, customer.id, subscription.id, invoice.to_dict())
