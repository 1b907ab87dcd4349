"""Inbound S2S signatures: ``X-Rekomi-Signature: t=<unix>,sig=<hex>`` where ``sig`` is
HMAC-SHA256 of ``<unix>.<raw body>`` under the org's ``rks_`` signing secret. Compared in
constant time; a timestamp more than ``TOLERANCE_SECONDS`` away from now is refused, so a
captured request cannot be replayed later (within the window, externalEventId dedupes)."""

from __future__ import annotations

import hashlib
import hmac

from libs.shared.errors import RekomiError

TOLERANCE_SECONDS = 300
HEADER = "X-Rekomi-Signature"


class InvalidSignature(RekomiError):
    code = "invalid_signature"


class StaleSignature(RekomiError):
    code = "signature_expired"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header_value(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},sig={sign(secret, timestamp, body)}"


def parse_header(header: str | None) -> tuple[int, str]:
    if not header:
        raise InvalidSignature(f"missing {HEADER} header (t=<unix>,sig=<hex>)", field=HEADER)
    parts = dict(p.strip().partition("=")[::2] for p in header.split(","))
    raw_t, sig = parts.get("t", ""), parts.get("sig", "")
    if not raw_t.isdigit() or len(raw_t) > 12 or not sig:
        raise InvalidSignature(f"malformed {HEADER} header: expected t=<unix>,sig=<hex>",
                               field=HEADER)
    return int(raw_t), sig.lower()


def verify(secret: str, header: str | None, body: bytes, now: float) -> None:
    """Raise unless ``header`` signs ``body`` under ``secret`` within the time window."""
    timestamp, sig = parse_header(header)
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise StaleSignature(f"signature timestamp is more than {TOLERANCE_SECONDS}s from "
                             "the server's clock; sign each request when you send it",
                             field=HEADER)
    if not hmac.compare_digest(sign(secret, timestamp, body), sig):
        raise InvalidSignature("signature does not match the request body", field=HEADER)
