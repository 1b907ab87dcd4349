"""Inbound S2S signatures: ``X-Rekomi-Signature: t=<unix>,sig=<hex>`` where ``sig`` is
HMAC-SHA256 of ``<unix>.<raw body>`` under the org's ``rks_`` signing secret. Compared in
constant time; a timestamp more than ``TOLERANCE_SECONDS`` away from now is refused, so a
captured request cannot be replayed later (within the window, externalEventId dedupes)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

from libs.shared.errors import RekomiError

TOLERANCE_SECONDS = 300
HEADER = "X-Rekomi-Signature"
# ASCII digits and lower-case hex only: str.isdigit() also takes "²" and other scripts' digits.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


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
    if not _TIMESTAMP.fullmatch(raw_t) or not sig:
        raise InvalidSignature(f"malformed {HEADER} header: expected t=<unix>,sig=<hex>",
                               field=HEADER)
    return int(raw_t), sig.lower()


def verify(secret: str, header: str | None, body: bytes, now: float) -> None:
    verify_any((secret,), header, body, now)


def verify_any(secrets: Sequence[str], header: str | None, body: bytes, now: float) -> None:
    """Raise unless ``header`` signs ``body`` under one of ``secrets`` (the current one, and
    a rotated-out one during its overlap) within the time window. The signature is compared
    as bytes once it is known to be 64 hex digits (``compare_digest`` raises on a non-ASCII
    str)."""
    timestamp, sig = parse_header(header)
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise StaleSignature(f"signature timestamp is more than {TOLERANCE_SECONDS}s from "
                             "the server's clock; sign each request when you send it",
                             field=HEADER)
    if not _HEX_SHA256.fullmatch(sig) or not any(
            hmac.compare_digest(sign(secret, timestamp, body).encode(), sig.encode())
            for secret in secrets):
        raise InvalidSignature("signature does not match the request body", field=HEADER)
