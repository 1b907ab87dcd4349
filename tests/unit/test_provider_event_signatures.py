"""Provider signatures without the network: Stripe's by the official library (signed here
with its own generator), Paddle's as its documentation states (``ts:body`` under the secret,
any of several ``h1``), both within 300 seconds; and what makes a signed body an event."""

from __future__ import annotations

import time

import pytest
import stripe

from libs.contracts.integrations import Provider
from services.tracking.domain.errors import InvalidProviderEvent, InvalidProviderSignature
from services.tracking.domain.provider_events import (
    paddle_signature,
    parse_event,
    verify,
    verify_paddle,
)

BODY = '{"id": "evt_1", "type": "invoice.paid"}'
SECRET = "whsec_test_secret_value"


def test_stripe_signatures_verify_within_the_tolerance_only() -> None:
    now = int(time.time())
    header = stripe.WebhookSignature.generate_signature_header(BODY, SECRET, timestamp=now)
    verify(Provider.stripe, BODY, header, SECRET)
    for bad in (stripe.WebhookSignature.generate_signature_header(BODY, SECRET, now - 301),
                stripe.WebhookSignature.generate_signature_header(BODY, "whsec_other", now),
                stripe.WebhookSignature.generate_signature_header(BODY + " ", SECRET, now),
                "garbage", "", None):
        with pytest.raises(InvalidProviderSignature):
            verify(Provider.stripe, BODY, bad, SECRET)


def test_paddle_signatures_follow_the_documented_scheme() -> None:
    now = 1_700_000_000
    good = paddle_signature(BODY, "pdl_ntfset_x", now)
    verify_paddle(BODY, f"ts={now};h1={good}", "pdl_ntfset_x", now + 300)
    verify_paddle(BODY, f"ts={now};h1={'0' * 64};h1={good}", "pdl_ntfset_x", now)  # rotation
    for header, at in ((f"ts={now};h1={good}", now + 301), (f"ts={now};h1={good}", now - 301),
                       (f"ts={now + 1};h1={good}", now), (f"h1={good}", now),
                       (f"ts=x;h1={good}", now), (f"ts={now}", now), (None, now)):
        with pytest.raises(InvalidProviderSignature):
            verify_paddle(BODY, header, "pdl_ntfset_x", at)


@pytest.mark.parametrize("body", ["nope", "[]", '{"id": "evt_1"}', '{"id": 1, "type": "x"}',
                                  '{"id": "evt_1", "type": "x\\u0000"}'])
def test_a_body_without_an_id_and_type_is_no_event(body: str) -> None:
    with pytest.raises(InvalidProviderEvent):
        parse_event(Provider.stripe, body)


def test_events_are_named_by_each_providers_keys() -> None:
    assert parse_event(Provider.stripe, BODY).event_id == "evt_1"
    paddle = parse_event(Provider.paddle, '{"event_id": "evt_01h", "event_type": "t.c"}')
    assert (paddle.event_id, paddle.event_type) == ("evt_01h", "t.c")
