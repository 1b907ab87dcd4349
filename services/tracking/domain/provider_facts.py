"""What a provider's webhook event means to the ledger, whatever the provider: a payment to
book, a refund (cumulative or one adjustment), a dispute opened or closed, a subscription
ended, or nothing. ``stripe_events`` and ``paddle_events`` read their payloads into these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from libs.shared.money import is_supported_currency


@dataclass(frozen=True, slots=True)
class Payment:
    """A paid invoice, checkout or transaction. ``sale_key`` is the sale's externalEventId: the
    invoice (a subscription's payment and its checkout share it, so either event books it
    once), else the payment intent, else the transaction. ``amount_cents`` is net of
    discounts and tax; ``tax_cents`` beside it. ``refs``: the other ids a refund or dispute
    may name it by."""

    sale_key: str
    amount_cents: int
    tax_cents: int
    currency: str
    customer_id: str | None
    email: str | None
    subscription_id: str | None
    renewal: bool  # a subscription's later invoice (Stripe subscription_cycle)
    codes: tuple[str, ...]  # redeemed promotion codes and coupon ids, as the payload names them
    promotion_ids: tuple[str, ...]  # promotion codes named by id only (read with the key)
    coupon_affiliate_id: str | None  # a promotion code's metadata ``rekomi_affiliate_id``
    ref: str | None  # the referral slug: metadata ``rekomi_ref`` or ``client_reference_id``
    refs: tuple[str, ...]
    paid_cents: int  # what the customer paid, tax included (a refund's share is of this)
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Refund:
    """Stripe: the payment's refunded total so far (``refunded_cents`` of ``paid_cents``).
    Paddle: one refund adjustment (``refund_id``, ``refunded_cents``; ``whole`` for a full
    one); the sale's share is the sum of its adjustments."""

    refs: tuple[str, ...]  # ids naming the payment, best first
    sale_key: str | None  # the key its sale has, when no recorded id says (booked later)
    refunded_cents: int
    paid_cents: int | None
    occurred_at: datetime
    refund_id: str | None = None
    whole: bool = False


@dataclass(frozen=True, slots=True)
class Dispute:
    """A payment disputed (``won`` None) or its dispute closed (won or lost)."""

    dispute_id: str
    refs: tuple[str, ...]
    sale_key: str | None
    won: bool | None
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class SubscriptionEnded:
    subscription_id: str
    ended_at: datetime


@dataclass(frozen=True, slots=True)
class Ignored:
    """An event type (or state) that books nothing; ``reason`` is stored as its outcome."""

    reason: str


Fact = Payment | Refund | Dispute | SubscriptionEnded | Ignored


# ---- reading JSON payloads -------------------------------------------------------------------
def obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def ident(value: Any) -> str | None:
    """An id, whether the payload holds it as a string or an expanded object."""
    return text(value) or text(obj(value).get("id"))


def cents(value: Any) -> int:
    """Minor units as Stripe (integers) or Paddle (decimal strings) send them."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return 0


def at_unix(value: Any, fallback: datetime) -> datetime:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return fallback


def at_iso(value: Any, fallback: datetime) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return fallback
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return fallback


def currency_of(value: Any) -> str | None:
    code = text(value)
    return code.upper() if code and is_supported_currency(code.upper()) else None


def unique(*values: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))
