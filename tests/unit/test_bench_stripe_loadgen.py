"""The Stripe load of ``make bench``: each request a distinct invoice.paid event that the
receiver's own checks accept, signed no earlier than the second it is due."""

from __future__ import annotations

import time

from bench.s2s_loadgen import Schedule
from bench.stripe_loadgen import signed_events
from libs.contracts.integrations import Provider
from services.tracking.domain.provider_events import parse_event, verify

URL = "http://127.0.0.1:28080/api/integrations/stripe/brand-handle"
SECRET = "whsec_benchsecret"


def _split(request: bytes) -> tuple[list[str], bytes]:
    head, _, body = request.partition(b"\r\n\r\n")
    return head.decode().split("\r\n"), body


def _header(lines: list[str], name: str) -> str:
    return next(v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:]) if k == name)


def test_every_event_is_distinct_signed_and_accepted_by_the_receivers_checks() -> None:
    schedule = Schedule(rate=50, seconds=3, tag="run1", out="-", start=time.time())
    requests = signed_events(URL, SECRET, schedule)
    assert len(requests) == 150
    event_ids, invoice_ids = set(), set()
    for request in requests:
        lines, body = _split(request)
        assert lines[0] == "POST /api/integrations/stripe/brand-handle HTTP/1.1"
        assert int(_header(lines, "Content-Length")) == len(body)
        text = body.decode()
        verify(Provider.stripe, text, _header(lines, "Stripe-Signature"), SECRET)
        event = parse_event(Provider.stripe, text)
        invoice = event.payload["data"]["object"]
        assert event.event_type == "invoice.paid"
        assert invoice["total"] == invoice["amount_paid"] == 5880
        assert invoice["discount"] is None and invoice["lines"]["data"]
        event_ids.add(event.event_id)
        invoice_ids.add(invoice["id"])
    assert len(event_ids) == len(invoice_ids) == 150


def test_each_signature_carries_the_second_its_request_is_due() -> None:
    start = 1_800_000_000.5
    schedule = Schedule(rate=20, seconds=5, tag="run0", out="-", start=start)
    for i, request in enumerate(signed_events(URL, SECRET, schedule)):
        stamp = int(_header(_split(request)[0], "Stripe-Signature").split(",")[0][2:])
        due = start + i / schedule.rate
        # Never dated after it is sent, and never more than a second before.
        assert due - 1 < stamp <= due
