"""Signing outbound deliveries the way Stripe-style verifiers expect.

``X-Rekomi-Signature: t=<unix>,v1=<hex>`` where ``<hex>`` is HMAC-SHA256, keyed with the endpoint
secret (the whole ``whsec_...`` string, as Stripe does), over ``<unix>.<raw body>``. While a
rotated-out secret is still honoured, a second ``v1=`` signed with it follows the first, so
receivers verifying with either secret accept the delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

SECRET_PREFIX = "whsec_"
_ALPHABET = string.ascii_letters + string.digits


def new_secret() -> str:
    """``whsec_`` and 32 random base62 characters (190 bits)."""
    return SECRET_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(32))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secrets_in_use: list[str], timestamp: int, body: bytes) -> str:
    """The header value; ``secrets_in_use`` is the current secret first, then any old one."""
    parts = [f"t={timestamp}"] + [f"v1={signature(s, timestamp, body)}" for s in secrets_in_use]
    return ",".join(parts)
