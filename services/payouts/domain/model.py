"""A payout as the payouts service keeps it, its line items, and the moves of its status:
Pending -> Processing -> Paid | Failed; Failed -> (retry) Processing; Failed -> (cancel)
Cancelled. A Manual payout is Paid as soon as it is written: the brand sent the money itself."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from libs.contracts.payouts import PayoutLineItem, PayoutMethod, PayoutResponse, PayoutStatus


@dataclass(frozen=True, slots=True)
class LineItem:
    id: uuid.UUID
    payout_id: uuid.UUID
    conversion_id: uuid.UUID
    amount_cents: int


@dataclass(frozen=True, slots=True)
class Payout:
    id: uuid.UUID
    org_id: uuid.UUID
    run_id: uuid.UUID
    affiliate_id: uuid.UUID
    amount_cents: int
    currency: str
    method: str
    status: str
    attempt: int
    stripe_transfer_id: str | None
    external_transaction_id: str | None
    notes: str | None
    failure_reason: str | None
    period_start: date
    period_end: date
    created_at: datetime
    paid_at: datetime | None
    failed_at: datetime | None
    cancelled_at: datetime | None
    next_attempt_at: datetime | None


class NotRetryable(Exception):
    pass


# A status move: the payout as it becomes at the given moment (raises NotRetryable).
Transition = Callable[[Payout, datetime], Payout]


def first_status(method: str) -> str:
    return PayoutStatus.Paid if method == PayoutMethod.Manual else PayoutStatus.Processing


def paid(p: Payout, external_id: str, at: datetime) -> Payout:
    """Paid by its provider: Stripe's transfer id is the reference's ``stripeTransferId``, the
    other providers' go to ``externalTransactionId``."""
    if p.method == PayoutMethod.StripeConnect:
        return replace(p, status=PayoutStatus.Paid, stripe_transfer_id=external_id, paid_at=at,
                       failure_reason=None, next_attempt_at=None)
    return replace(p, status=PayoutStatus.Paid, external_transaction_id=external_id, paid_at=at,
                   failure_reason=None, next_attempt_at=None)


def failed(p: Payout, reason: str, at: datetime) -> Payout:
    return replace(p, status=PayoutStatus.Failed, failure_reason=reason, failed_at=at,
                   next_attempt_at=None)


def retried(p: Payout, at: datetime) -> Payout:
    """A new attempt (a new provider idempotency key: the last one definitely failed)."""
    if p.status != PayoutStatus.Failed:
        raise NotRetryable(f"only a Failed payout can be retried; this one is {p.status}")
    return replace(p, status=PayoutStatus.Processing, attempt=p.attempt + 1, next_attempt_at=at)


def cancelled(p: Payout, at: datetime) -> Payout:
    if p.status != PayoutStatus.Failed:
        raise NotRetryable(f"only a Failed payout can be cancelled; this one is {p.status}")
    return replace(p, status=PayoutStatus.Cancelled, cancelled_at=at, next_attempt_at=None)


def to_response(p: Payout, lines: list[LineItem]) -> PayoutResponse:
    return PayoutResponse(
        id=p.id, affiliate_id=p.affiliate_id, amount_cents=p.amount_cents, currency=p.currency,
        method=PayoutMethod(p.method), status=PayoutStatus(p.status),
        stripe_transfer_id=p.stripe_transfer_id,
        external_transaction_id=p.external_transaction_id, notes=p.notes,
        failure_reason=p.failure_reason, period_start=p.period_start, period_end=p.period_end,
        created_at=p.created_at, paid_at=p.paid_at, failed_at=p.failed_at,
        line_items=[PayoutLineItem(id=li.id, conversion_id=li.conversion_id,
                                   amount_cents=li.amount_cents) for li in lines])
