"""Webhooks' pure rules: signatures as a Stripe-style verifier checks them, the retry schedule,
the SSRF address policy, subscriptions and delivery state changes."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import ipaddress
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from libs.contracts.webhooks import DeliveryStatus, WebhookCreate, WebhookPatch
from libs.shared.errors import ValidationFailed
from services.webhooks.domain import deliveries, endpoints, schedule, signing
from services.webhooks.domain.addresses import address_allowed, check_resolved, check_url
from services.webhooks.domain.errors import UrlRefused

NOW = datetime(2026, 5, 18, 12, 0, tzinfo=UTC)


def stripe_style_verify(payload: bytes, header: str, secret: str, tolerance: int = 300) -> bool:
    """What Stripe's libraries do: every ``v1`` in the header is a candidate; the timestamp must
    be recent; comparison in constant time over ``<t>.<payload>``."""
    items = [part.split("=", 1) for part in header.split(",")]
    timestamps = [int(v) for k, v in items if k == "t"]
    candidates = [v for k, v in items if k == "v1"]
    if len(timestamps) != 1 or not candidates:
        return False
    expected = hmac.new(secret.encode(), f"{timestamps[0]}.".encode() + payload,
                        hashlib.sha256).hexdigest()
    fresh = abs(time.time() - timestamps[0]) <= tolerance
    return fresh and any(hmac.compare_digest(expected, c) for c in candidates)


# ---- signing ---------------------------------------------------------------------------------
def test_signature_verifies_with_the_secret_and_only_it() -> None:
    secret, other = signing.new_secret(), signing.new_secret()
    body, t = b'{"id":"1","type":"webhook.test"}', int(time.time())
    header = signing.signature_header([secret], t, body)
    assert header.startswith(f"t={t},v1=") and header.count("v1=") == 1
    assert stripe_style_verify(body, header, secret)
    assert not stripe_style_verify(body, header, other)
    assert not stripe_style_verify(body + b" ", header, secret)
    assert not stripe_style_verify(body, signing.signature_header([secret], t - 3600, body),
                                   secret)


def test_known_vector() -> None:
    digest = signing.signature("whsec_test", 1700000000, b"{}")
    assert digest == hmac.new(b"whsec_test", b"1700000000.{}", hashlib.sha256).hexdigest()


def test_secret_shape() -> None:
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and len(secret) == 38 and secret[6:].isalnum()
    assert secret != signing.new_secret()


def test_rotation_signs_with_both_secrets_until_the_overlap_ends() -> None:
    endpoint = endpoints.new_endpoint(uuid.uuid4(), WebhookCreate(
        url="https://example.com/h", events=["*"]), endpoint_id=uuid.uuid4(), now=NOW)
    rotated = endpoints.rotate(endpoint, now=NOW)
    assert rotated.secret != endpoint.secret and rotated.previous_secret == endpoint.secret
    expires = rotated.previous_secret_expires_at
    during = endpoints.signing_secrets(rotated.secret, rotated.previous_secret, expires,
                                       NOW + timedelta(hours=23))
    assert during == [rotated.secret, endpoint.secret]
    body, t = b"{}", int(time.time())
    header = signing.signature_header(during, t, body)
    assert header.count("v1=") == 2
    assert stripe_style_verify(body, header, rotated.secret)
    assert stripe_style_verify(body, header, endpoint.secret)
    after = endpoints.signing_secrets(rotated.secret, rotated.previous_secret, expires,
                                      NOW + timedelta(hours=24))
    assert after == [rotated.secret]


# ---- schedule --------------------------------------------------------------------------------
def test_schedule_spans_about_three_days_in_eleven_attempts() -> None:
    assert schedule.MAX_ATTEMPTS == 11
    assert timedelta(hours=60) < schedule.total_span() < timedelta(hours=78)
    assert schedule.RETRY_DELAYS[:3] == (timedelta(seconds=5), timedelta(minutes=5),
                                         timedelta(minutes=30))
    assert list(schedule.RETRY_DELAYS) == sorted(schedule.RETRY_DELAYS)


@pytest.mark.parametrize("attempts", range(1, 11))
def test_retry_delay_is_jittered_within_twenty_percent(attempts: int) -> None:
    base = schedule.RETRY_DELAYS[attempts - 1]
    rand = random.Random(attempts)
    seen = {schedule.retry_delay(attempts, rand=rand) for _ in range(50)}
    assert all(d is not None and base * 0.8 <= d <= base * 1.2 for d in seen)
    assert len(seen) > 1


def test_retry_delay_ends_and_scales() -> None:
    assert schedule.retry_delay(11) is None and schedule.retry_delay(0) is None
    scaled = schedule.retry_delay(2, scale=0.001, rand=random.Random(1))
    assert scaled is not None and scaled <= timedelta(minutes=5) * 0.0012


def test_failing_for_five_days_disables() -> None:
    assert not schedule.failing_too_long(None, NOW)
    assert not schedule.failing_too_long(NOW - timedelta(days=4, hours=23), NOW)
    assert schedule.failing_too_long(NOW - timedelta(days=5), NOW)
    assert schedule.failing_too_long(NOW - timedelta(seconds=1), NOW, scale=1 / 432_000)


# ---- addresses -------------------------------------------------------------------------------
@pytest.mark.parametrize("address", [
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1",
    "::ffff:127.0.0.1", "::", "198.18.0.1", "240.0.0.1",
])
def test_internal_addresses_are_refused(address: str) -> None:
    assert not address_allowed(ipaddress.ip_address(address), allow_loopback=False)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111"])
def test_global_addresses_are_allowed(address: str) -> None:
    assert address_allowed(ipaddress.ip_address(address), allow_loopback=False)


def test_loopback_only_when_allowed() -> None:
    loop = ipaddress.ip_address("127.0.0.1")
    assert address_allowed(loop, allow_loopback=True)
    assert not address_allowed(ipaddress.ip_address("10.0.0.1"), allow_loopback=True)


@pytest.mark.parametrize(("url", "loopback"), [
    ("http://example.com/hook", False), ("http://example.com/hook", True),
    ("ftp://example.com/", False), ("https://10.1.2.3/x", False), ("https://[::1]/x", False),
    ("https://localhost/x", False), ("https://169.254.169.254/latest", True),
    ("https://user:pw@example.com/", False), ("https:///nohost", False),
    ("https://example.com:99999/", False), ("https://exa mple.com/", False),
    ("http://[::ffff:192.168.0.1]/", True),
])
def test_urls_refused_with_field_url(url: str, loopback: bool) -> None:
    with pytest.raises(UrlRefused) as caught:
        check_url(url, allow_loopback=loopback)
    assert caught.value.field == "url" and caught.value.code == "validation_failed"


def test_urls_accepted() -> None:
    assert check_url("https://Example.com./hook", allow_loopback=False).host == "example.com"
    assert check_url("https://93.184.216.34/h", allow_loopback=False).literal is not None
    assert check_url("http://127.0.0.1:8080/h", allow_loopback=True).host == "127.0.0.1"
    assert check_url("http://localhost:8080/h", allow_loopback=True).literal is None


def test_resolved_addresses_must_all_be_global() -> None:
    good, bad = ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.7")
    check_resolved([good], allow_loopback=False)
    for answer in ([good, bad], [], [bad]):
        with pytest.raises(UrlRefused):
            check_resolved(answer, allow_loopback=False)


# ---- contracts and subscriptions -------------------------------------------------------------
def test_events_are_checked_against_the_catalogue() -> None:
    assert WebhookCreate(url="u", events=["affiliate.created", "affiliate.created"]).events == [
        "affiliate.created"]
    for events, in ([["nope.created"]], [["*", "affiliate.created"]]):
        with pytest.raises(ValidationFailed) as caught:
            WebhookCreate(url="u", events=events)
        assert caught.value.field == "events"
    with pytest.raises(ValidationFailed):
        WebhookPatch.model_validate({"isActive": None})


def test_subscriptions_and_reenabling() -> None:
    endpoint = endpoints.new_endpoint(uuid.uuid4(), WebhookCreate(
        url="https://example.com/h", events=["affiliate.created"]), endpoint_id=uuid.uuid4(),
        now=NOW)
    assert endpoints.subscribes(endpoint, "affiliate.created")
    assert not endpoints.subscribes(endpoint, "payout.paid")
    disabled = endpoints.disable(endpoint, endpoints.GONE, now=NOW)
    assert not disabled.is_active and disabled.disabled_at == NOW
    assert endpoints.apply_patch(disabled, {"is_active": False}, now=NOW) is disabled
    again = endpoints.apply_patch(disabled, {"is_active": True}, now=NOW)
    assert again.is_active and again.disabled_at is None and again.disabled_reason is None


# ---- delivery state --------------------------------------------------------------------------
def _delivery() -> deliveries.Delivery:
    return deliveries.new_delivery(delivery_id="01HZZZZZZZZZZZZZZZZZZZZZZZ", org_id=uuid.uuid4(),
                                   endpoint_id=uuid.uuid4(), event_id=uuid.uuid4(),
                                   event_type="webhook.test", body="{}", now=NOW)


def test_success_failure_gone_and_exhaustion() -> None:
    fresh = _delivery()
    ok = deliveries.after_attempt(fresh, deliveries.Outcome(204, None, ""), now=NOW)
    assert ok.status is DeliveryStatus.Succeeded and ok.delivered_at == NOW and ok.attempts == 1
    failed = deliveries.after_attempt(fresh, deliveries.Outcome(500, "HTTP 500", "x"), now=NOW,
                                      rand=random.Random(0))
    assert failed.status is DeliveryStatus.Retrying and failed.last_status_code == 500
    assert failed.next_attempt_at is not None and failed.next_attempt_at > NOW
    gone = deliveries.after_attempt(fresh, deliveries.Outcome(410, "HTTP 410", ""), now=NOW)
    assert gone.status is DeliveryStatus.Failed and gone.next_attempt_at is None
    redirect = deliveries.after_attempt(fresh, deliveries.Outcome(302, "HTTP 302", ""), now=NOW)
    assert redirect.status is DeliveryStatus.Retrying
    tenth = dataclasses.replace(fresh, attempts=10, status=DeliveryStatus.Retrying)
    last = deliveries.after_attempt(tenth, deliveries.Outcome(None, "timeout", None), now=NOW)
    assert last.status is DeliveryStatus.Failed and last.attempts == 11


def test_body_shape() -> None:
    event_id = uuid.uuid4()
    body = deliveries.event_body(event_id, "affiliate.created", NOW, {"id": "a"})
    assert json.loads(body) == {"id": str(event_id), "type": "affiliate.created",
                                "createdAt": "2026-05-18T12:00:00Z", "data": {"id": "a"}}
