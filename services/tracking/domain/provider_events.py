"""Provider webhook events: is the signature the provider's, and which event is it. Stripe's is
checked by the official library's verifier; Paddle Billing's as its documentation specifies
(``Paddle-Signature: ts=<unix>;h1=<hex>``, HMAC-SHA256 of ``<ts>:<raw body>`` under the
notification secret). Both refuse a timestamp older than the tolerance."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

import orjson
import stripe

from libs.contracts.integrations import Provider
from services.tracking.domain.errors import InvalidProviderEvent, InvalidProviderSignature

TOLERANCE_SECONDS = 300
HEADERS = {Provider.stripe: "Stripe-Signature", Provider.paddle: "Paddle-Signature"}


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    event_id: str
    event_type: str
    payload: dict[str, Any]


def verify(provider: Provider, body: str, header: str | None, secret: str,
           now: float | None = None) -> None:
    if provider is Provider.stripe:
        verify_stripe(body, header, secret)
    else:
        verify_paddle(body, header, secret, time.time() if now is None else now)


def verify_stripe(body: str, header: str | None, secret: str) -> None:
    try:
        stripe.WebhookSignature.verify_header(body, header, secret,
                                              tolerance=TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as exc:
        raise InvalidProviderSignature(f"Stripe-Signature: {exc.user_message or exc}",
                                       field="Stripe-Signature") from None


def paddle_signature(body: str, secret: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()


def verify_paddle(body: str, header: str | None, secret: str, now: float) -> None:
    parts = [item.partition("=") for item in (header or "").split(";")]
    stamps = [value for key, _, value in parts if key.strip() == "ts"]
    given = [value.strip() for key, _, value in parts if key.strip() == "h1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not given:
        raise InvalidProviderSignature("Paddle-Signature must read ts=<unix>;h1=<hex>",
                                       field="Paddle-Signature")
    timestamp = int(stamps[0])
    expected = paddle_signature(body, secret, timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in given):
        raise InvalidProviderSignature("Paddle-Signature does not match the body",
                                       field="Paddle-Signature")
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise InvalidProviderSignature("Paddle-Signature timestamp is outside the "
                                       f"{TOLERANCE_SECONDS}-second tolerance",
                                       field="Paddle-Signature")


def parse_event(provider: Provider, body: str) -> ReceivedEvent:
    """The event's id and type: Stripe's ``id``/``type``, Paddle's ``event_id``/``event_type``."""
    if "\\u0000" in body:  # PostgreSQL's jsonb cannot hold a NUL character
        raise InvalidProviderEvent("the event holds a NUL character")
    try:
        payload = orjson.loads(body)
    except ValueError:
        raise InvalidProviderEvent("the body is not JSON") from None
    id_key, type_key = (("id", "type") if provider is Provider.stripe
                        else ("event_id", "event_type"))
    event_id = payload.get(id_key) if isinstance(payload, dict) else None
    event_type = payload.get(type_key) if isinstance(payload, dict) else None
    if not (isinstance(event_id, str) and 0 < len(event_id) <= 255
            and isinstance(event_type, str) and 0 < len(event_type) <= 255):
        raise InvalidProviderEvent(f"an event needs a text {id_key!r} and {type_key!r}")
    assert isinstance(payload, dict)
    return ReceivedEvent(event_id, event_type, payload)
