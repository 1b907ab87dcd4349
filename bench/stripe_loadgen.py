"""Signed Stripe ``invoice.paid`` events at a fixed offered rate (open loop):
``python -m bench.stripe_loadgen URL WHSEC RATE SECONDS TAG OUT START [MAX_CONNECTIONS]``.

URL is an org's Stripe endpoint (``/api/integrations/stripe/{orgHandle}``), WHSEC the webhook
secret the org connected. Each request is a distinct renewal invoice (unique event and invoice
ids, its own customer, subscription, payment intent and charge) in Stripe's wire format: the
event envelope around the invoice, pretty-printed as Stripe sends it, with Stripe's headers and
``Stripe-Signature`` made by the official ``stripe`` library.

The events are signed before the clock starts, a second's worth at a time, each second's with
the Unix time it is due to be sent: as Stripe signs as it sends, none is more than a second old
when it goes out however long the run (the receiver refuses a signature older than 300 s),
and signing costs the measured window nothing. The offering itself, and what is written to OUT,
is ``bench.s2s_loadgen``'s.
"""

from __future__ import annotations

import sys
import time
import urllib.parse
from typing import Any

import orjson
import stripe

from bench.s2s_loadgen import Schedule, generate

API_VERSION = "2024-06-20"
PLAN_CENTS, TAX_CENTS, CURRENCY = 4900, 980, "usd"
MONTH_S = 30 * 86400
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def invoice_paid(event_id: str, ref: str, created: int) -> dict[str, Any]:
    """A ``invoice.paid`` event of a monthly renewal; ``ref`` makes its ids unique."""
    invoice = f"in_{ref}"
    return {
        "id": event_id, "object": "event", "api_version": API_VERSION, "created": created,
        "type": "invoice.paid", "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": {
            "id": invoice, "object": "invoice", "customer": f"cus_{ref}",
            "subscription": f"sub_{ref}", "billing_reason": "subscription_cycle",
            "status": "paid", "paid": True, "currency": CURRENCY,
            "subtotal": PLAN_CENTS, "tax": TAX_CENTS, "total": PLAN_CENTS + TAX_CENTS,
            "amount_due": PLAN_CENTS + TAX_CENTS, "amount_paid": PLAN_CENTS + TAX_CENTS,
            "amount_remaining": 0, "discount": None, "discounts": [],
            "payment_intent": f"pi_{ref}", "charge": f"ch_{ref}", "created": created,
            "period_start": created - MONTH_S, "period_end": created,
            "lines": {"object": "list", "has_more": False, "total_count": 1,
                      "url": f"/v1/invoices/{invoice}/lines", "data": [{
                          "id": f"il_{ref}", "object": "line_item", "type": "subscription",
                          "amount": PLAN_CENTS, "currency": CURRENCY, "quantity": 1,
                          "description": "1 \u00d7 Pro (at $49.00 / month)",
                          "period": {"start": created, "end": created + MONTH_S},
                          "price": {"id": "price_bench_pro_monthly", "object": "price",
                                    "unit_amount": PLAN_CENTS, "currency": CURRENCY,
                                    "recurring": {"interval": "month",
                                                  "interval_count": 1}}}]}}}}


def signed_events(url: str, secret: str, schedule: Schedule) -> list[bytes]:
    """``schedule.count`` complete HTTP/1.1 requests, each one event, each second's signed
    with that second's time (see the module's docstring)."""
    parts = urllib.parse.urlsplit(url)
    head = (f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"User-Agent: {USER_AGENT}\r\nAccept: */*; q=0.5, application/xml\r\n"
            "Cache-Control: no-cache\r\nContent-Type: application/json; charset=utf-8\r\n")
    requests = []
    for i in range(schedule.count):
        stamp = int(schedule.start + i / schedule.rate)  # the second it is due in
        ref = f"{schedule.tag}x{i:012d}"
        body = orjson.dumps(invoice_paid(f"evt_{ref}", ref, stamp - 2),
                            option=orjson.OPT_INDENT_2).decode()
        signature: str = stripe.WebhookSignature.generate_signature_header(body, secret,
                                                                           stamp)
        encoded = body.encode()
        requests.append((head + f"Stripe-Signature: {signature}\r\n"
                         f"Content-Length: {len(encoded)}\r\n\r\n").encode() + encoded)
    return requests


def main(argv: list[str]) -> None:
    url, secret = argv[:2]
    schedule = Schedule.parse(argv[2:])
    requests = signed_events(url, secret, schedule)
    if (late := time.time() - schedule.start) > 0:
        # The schedule starts when this process is ready; the parent's CPU window is earlier.
        print(f"bench.stripe_loadgen: ready {late:.2f} s after the start", file=sys.stderr)
    generate(url, requests, schedule)


if __name__ == "__main__":
    main(sys.argv[1:])
