"""Idempotency-Key rules, pure: which keys are valid, what makes two requests the same one, and
what a request with a key already on record gets (the stored answer, a refusal, or its own run).

A key is remembered per org for a window. Within it, the same request (same fingerprint) is
answered the stored response, never run again; another request with the key is refused; while
the first is still running, a second is refused too, unless the first one's lease ran out (its
gateway died mid-request). After the window the key is forgotten and runs again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from libs.shared.errors import ValidationFailed
from services.gateway.domain.errors import IdempotencyKeyReused, IdempotencyRequestInProgress

KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Visible ASCII (RFC 5234 VCHAR): no spaces, controls or non-ASCII. The reference shows a
# uuid; any such text up to 255 characters is taken, as Stripe does.
_VISIBLE = frozenset(chr(c) for c in range(0x21, 0x7F))


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: bytes
    content_type: str | None


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """A key as stored: ``response`` is None while its first request is in flight."""

    fingerprint: bytes
    created_at: datetime
    lease_expires_at: datetime | None
    response: StoredResponse | None


def valid_key(raw: str) -> str:
    if 0 < len(raw) <= MAX_KEY_LENGTH and _VISIBLE.issuperset(raw):
        return raw
    raise ValidationFailed(f"{KEY_HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII "
                           "characters (a uuid is recommended)", field=KEY_HEADER)


def fingerprint(method: str, path: str, body: bytes) -> bytes:
    """SHA-256 over the method, the path with its query and the body's raw bytes, each
    length-prefixed so no two different requests share the hashed text. Raw bytes, not a
    canonical JSON: a retry sends the very bytes again, and a different text is another
    request, whatever a JSON parser would make of it."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def decide(record: KeyRecord | None, request_fingerprint: bytes, *, now: datetime,
           window: timedelta) -> StoredResponse | None:
    """The stored response to replay, or None when this request runs (the key is free, or
    free to take over); raises when the request must be refused."""
    if record is None or now >= record.created_at + window:
        return None
    if record.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(f"this {KEY_HEADER} was used for another request (a "
                                   "different method, path or body); use a new key",
                                   field=KEY_HEADER)
    if record.response is not None:
        return record.response
    if record.lease_expires_at is not None and now < record.lease_expires_at:
        raise IdempotencyRequestInProgress(f"a request with this {KEY_HEADER} is still in "
                                           "progress; retry once it has answered",
                                           field=KEY_HEADER)
    return None


def keeps_response(status: int) -> bool:
    """A request that executed keeps its answer, a refusal (4xx) included, like Stripe. A 5xx
    (the owner failed or did not answer) frees the key, so a retry runs again."""
    return status < 500
