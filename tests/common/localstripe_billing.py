"""localstripe's Billing where Rekomi's Stripe ingestion reads it and localstripe 1.15 falls
short of what Stripe sends, patched into its resource classes by
``tests.common.localstripe_plugin`` (names and fields as in Stripe's API reference):

- a subscription's coupon: ``discounts: [{"coupon": "<id>"}]`` on ``POST /v1/subscriptions``
  (one coupon; a promotion code is 500 "Not implemented", as localstripe answers what it lacks;
  an unknown coupon is 400 ``resource_missing``). The subscription and the invoices the coupon
  applies to (``once``: the first; ``repeating``: until the discount's ``end``; ``forever``)
  carry the Discount object (``discount``, and its id in ``discounts``); an invoice adds
  ``total_discount_amounts`` and ``total_excluding_tax``, and computes tax on the discounted
  amount, so ``total`` = ``total_excluding_tax`` + ``tax``, as Stripe does for exclusive rates;
- ``billing_reason`` on invoices: ``subscription_create`` (a subscription's first),
  ``subscription_update`` (localstripe invoices a plan change at once), ``manual``
  (``POST /v1/invoices``), ``upcoming`` (previews);
- ``coupon.created`` (localstripe sends no coupon events);
- ``invoice.paid`` beside ``invoice.payment_succeeded`` when an invoice is paid;
- an invoice's ``charge`` as the charge's id (localstripe embeds the whole charge), and a
  charge's ``invoice`` (localstripe leaves it null);
- ``charge.refunded`` (the charge, ``amount_refunded`` cumulative) on ``POST /v1/refunds``;
- ``DELETE /_config/webhooks/{id}``: stop sending events to a webhook (a test's endpoint, once
  the test ends); localstripe can only add them."""

from __future__ import annotations

import time
from contextvars import ContextVar
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from aiohttp import web
from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]
from localstripe import webhooks  # type: ignore[import-untyped]
from localstripe.errors import UserError  # type: ignore[import-untyped]
from localstripe.resources import (  # type: ignore[import-untyped]
    Charge,
    Coupon,
    Event,
    Invoice,
    PaymentIntent,
    Refund,
    Subscription,
    random_id,
    schedule_webhook,
    store,
)

# Set while a subscription invoices itself; any other invoice is one the API call made.
_REASON: ContextVar[str] = ContextVar("billing_reason", default="manual")


def _coupon_of(discounts: Any) -> Any:
    if discounts is None:
        return None
    if not isinstance(discounts, list) or len(discounts) != 1 \
            or set(discounts[0]) != {"coupon"}:
        raise UserError(500, "Not implemented")
    coupon = store.get(f"coupon:{discounts[0]['coupon']}")
    if coupon is None:
        raise UserError(400, f"No such coupon: '{discounts[0]['coupon']}'",
                        {"code": "resource_missing", "param": "discounts[0][coupon]"})
    return coupon


def _discount_object(subscription: Any, coupon: Any) -> dict[str, Any]:
    start = int(time.time())
    end = None
    if coupon.duration == "repeating":
        months = relativedelta(months=coupon.duration_in_months)
        end = int((datetime.fromtimestamp(start) + months).timestamp())
    return {"id": "di_" + random_id(24), "object": "discount", "checkout_session": None,
            "coupon": coupon._export(), "customer": subscription.customer, "end": end,
            "invoice": None, "invoice_item": None, "promotion_code": None, "start": start,
            "subscription": subscription.id, "subscription_item": None}


def _attach_discount(subscription: Any) -> None:
    coupon = getattr(subscription, "_coupon", None)
    if coupon is not None and subscription.discount is None:
        coupon.times_redeemed += 1
        subscription.discount = _discount_object(subscription, coupon)


_init_coupon = Coupon.__init__


def init_coupon(self: Any, *args: Any, **kwargs: Any) -> None:
    _init_coupon(self, *args, **kwargs)
    schedule_webhook(Event("coupon.created", self))


_init_subscription = Subscription.__init__
_create_invoice = Subscription._create_invoice


def init_subscription(self: Any, *args: Any, discounts: Any = None, **kwargs: Any) -> None:
    self._coupon = _coupon_of(discounts)  # refused before localstripe stores anything
    _init_subscription(self, *args, **kwargs)
    _attach_discount(self)  # a trialing subscription invoices nothing yet


def create_subscription_invoice(self: Any) -> None:
    _attach_discount(self)
    reason = "subscription_update" if self.latest_invoice else "subscription_create"
    token = _REASON.set(reason)
    try:
        _create_invoice(self)
    finally:
        _REASON.reset(token)


def _discount_for(subscription_id: str | None, reason: str) -> dict[str, Any] | None:
    subscription = store.get(f"subscription:{subscription_id}") if subscription_id else None
    discount = getattr(subscription, "discount", None)
    if discount is None:
        return None
    duration = discount["coupon"]["duration"]
    if duration == "once" and reason != "subscription_create":
        return None
    if discount["end"] is not None and time.time() >= discount["end"]:
        return None
    return dict(discount)


_init_invoice = Invoice.__init__


def init_invoice(self: Any, **kwargs: Any) -> None:
    # Set before localstripe's __init__, which sends ``invoice.created`` before it returns.
    previewed = kwargs.get("upcoming") or kwargs.get("simulation")
    self._billing_reason = "upcoming" if previewed else _REASON.get()
    self._discount = _discount_for(kwargs.get("subscription"), self._billing_reason)
    _init_invoice(self, **kwargs)


def _own(name: str) -> property:
    """A field localstripe's ``__init__`` assigns None, answered from what ``init_invoice``
    set before it (the assignment is ignored)."""
    return property(lambda self: getattr(self, name, None), lambda self, value: None)


def discount_amount(invoice: Any) -> int:
    if invoice._discount is None:
        return 0
    coupon, subtotal = invoice._discount["coupon"], max(0, int(invoice.subtotal))
    if coupon["percent_off"] is not None:
        share = Decimal(subtotal) * Decimal(str(coupon["percent_off"])) / 100
        return min(subtotal, int(share.quantize(Decimal(1), ROUND_HALF_UP)))
    return min(subtotal, int(coupon["amount_off"]))


def line_discounts(discount: int, amounts: list[int]) -> list[int]:
    """An invoice's discount spread over its lines in proportion to their amounts."""
    subtotal = sum(amounts)
    if not amounts or subtotal <= 0:
        return [0] * len(amounts)
    shares = [discount * amount // subtotal for amount in amounts]
    shares[-1] += discount - sum(shares)
    return shares


def total_tax_amounts(invoice: Any) -> list[dict[str, Any]]:
    lines = invoice.lines._list
    shares = line_discounts(discount_amount(invoice), [line.amount for line in lines])
    amounts: list[dict[str, Any]] = []
    for line, share in zip(lines, shares, strict=True):
        rates = line.tax_rates or invoice.default_tax_rates or []
        amounts.extend(rate._tax_amount(line.amount - share) for rate in rates)
    return amounts


def invoice_tax(invoice: Any) -> int:
    if invoice.tax_percent is not None:  # localstripe's legacy tax_percent
        return int(invoice.total_excluding_tax * invoice.tax_percent / 100.0)
    return sum(amount["amount"] for amount in invoice.total_tax_amounts)


def export_invoice(invoice: Any, expand: list[str] | None = None) -> dict[str, Any]:
    exported: dict[str, Any] = _export_object(invoice, expand=expand)
    if isinstance(exported.get("charge"), dict) and "charge" not in (expand or []):
        exported["charge"] = exported["charge"]["id"]  # expandable: an id unless expanded
    return exported


_export_object = Invoice._export
_on_payment_success = Invoice._on_payment_success
_initialize_charge = Charge._initialize_charge


def invoice_paid(self: Any) -> None:
    _on_payment_success(self)
    schedule_webhook(Event("invoice.paid", self))


def initialize_charge(self: Any, *args: Any, **kwargs: Any) -> None:
    if self.payment_intent and self.invoice is None:  # before the payment's events
        self.invoice = PaymentIntent._api_retrieve(self.payment_intent).invoice
    _initialize_charge(self, *args, **kwargs)


def create_refund(cls: Any, /, **data: Any) -> Any:
    refund = cls(**data)
    schedule_webhook(Event("charge.refunded", Charge._api_retrieve(refund.charge)))
    return refund


async def stop_webhook(request: web.Request) -> web.Response:
    webhooks._webhooks.pop(request.match_info["id"], None)
    return web.Response(status=204)


def install(app: web.Application) -> None:
    Coupon.__init__ = init_coupon
    Subscription.__init__ = init_subscription
    Subscription._create_invoice = create_subscription_invoice
    Subscription.discounts = property(
        lambda self: [self.discount["id"]] if self.discount else [])
    Invoice.__init__ = init_invoice
    Invoice.billing_reason, Invoice.discount = _own("_billing_reason"), _own("_discount")
    Invoice.discounts = property(lambda self: [self._discount["id"]] if self._discount else [])
    Invoice.total_discount_amounts = property(lambda self: [
        {"amount": discount_amount(self), "discount": self._discount["id"]}
    ] if self._discount else [])
    Invoice.total_excluding_tax = property(lambda self: self.subtotal - discount_amount(self))
    Invoice.total_tax_amounts = property(total_tax_amounts)
    Invoice.tax = property(invoice_tax)
    Invoice.total = property(
        lambda self: max(0, self.total_excluding_tax + self.tax - self.starting_balance))
    Invoice._export = export_invoice
    Invoice._on_payment_success = invoice_paid
    Charge._initialize_charge = initialize_charge
    Refund._api_create = classmethod(create_refund)
    app.router.add_delete("/_config/webhooks/{id}", stop_webhook)
