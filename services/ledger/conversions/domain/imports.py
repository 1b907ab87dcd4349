"""Conversion import as pure rules: check every row (one bad row refuses the whole request),
key each row for idempotency, decide which rows import and why the others do not, the status
each imported row gets, and the money per currency. The caller looks up, in the database, the
affiliates the rows name and the keys and externalIds already booked (``Lookup``), so a preview
and an import over the same data decide the same thing."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from libs.contracts.attribution_methods import AttributionMethod
from libs.contracts.conversion_imports import Balance, ConversionImportPreview, ConversionImportRow
from libs.shared.money import is_supported_currency
from services.ledger.domain.errors import InvalidRows
from services.ledger.imports.domain.model import canonical_email

MAX_CENTS = 100_000_000
ROW_TYPES = frozenset({"OneTime", "Recurring"})
# occurredAt is history: a moment beyond now (plus clock skew) is refused.
FUTURE_SLACK = timedelta(minutes=5)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
ATTRIBUTION_METHOD = AttributionMethod.imported
SKIP_REASONS = frozenset({"excluded_paid", "duplicate_in_batch", "already_imported",
                          "already_recorded", "affiliate_not_found"})


@dataclass(frozen=True, slots=True)
class CheckedRow:
    """A row that passed validation, normalised."""

    index: int
    affiliate_email: str | None  # canonical; None when absent or not an address
    affiliate_slug: str | None  # lower-cased
    customer_email: str | None
    customer_name: str | None
    amount_cents: int
    commission_cents: int
    currency: str
    occurred_at: datetime
    paid: bool
    type: str
    stripe_customer_id: str | None
    stripe_subscription_id: str | None
    external_id: str | None

    @property
    def key(self) -> str:
        """What identifies the sale across re-runs: its externalId, else its content. Whether
        it was paid is left out on purpose, so a row re-sent as paid is still the same sale."""
        if self.external_id is not None:
            return "ext:" + self.external_id
        content = [self.affiliate_email, self.affiliate_slug, self.customer_email,
                   self.amount_cents, self.commission_cents, self.currency,
                   self.occurred_at.isoformat(), self.type, self.stripe_customer_id,
                   self.stripe_subscription_id]
        return "row:" + hashlib.sha256(json.dumps(content).encode()).hexdigest()


def _text(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _cents(value: Any) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_CENTS
    return value if ok else None


def parse_occurred_at(value: Any, now: datetime) -> datetime | str:
    """The moment in UTC, or the error code."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "occurred_at_required"
    try:
        moment = datetime.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        return "invalid_occurred_at"
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment if EARLIEST <= moment <= now + FUTURE_SLACK else "invalid_occurred_at"


def _customer_email(raw: str | None) -> str | bool | None:
    """Canonical address, None when absent, False when present but not an address."""
    text = _text(raw)
    if text is None:
        return None
    return canonical_email(text) or False


def check_row(index: int, row: ConversionImportRow, now: datetime) -> CheckedRow | str:
    """The normalised row, or the first error code the reference defines for it."""
    email_raw, slug = _text(row.affiliate_email), _text(row.affiliate_slug)
    amount, commission = _cents(row.amount_cents), _cents(row.commission_cents)
    moment = parse_occurred_at(row.occurred_at, now)
    kind = "OneTime" if row.type is None else row.type
    customer = _customer_email(row.customer_email)
    problem = ("affiliate_email_or_slug_required" if email_raw is None and slug is None
               else "amount_out_of_range" if amount is None
               else "commission_out_of_range" if commission is None
               else "unsupported_currency" if not (isinstance(row.currency, str)
                                                   and is_supported_currency(row.currency))
               else moment if isinstance(moment, str)
               else "invalid_type" if kind not in ROW_TYPES
               else "invalid_customer_email" if customer is False
               else None)
    if problem is not None:
        return problem
    assert amount is not None and commission is not None and isinstance(moment, datetime)
    return CheckedRow(
        index=index, affiliate_email=canonical_email(email_raw) if email_raw else None,
        affiliate_slug=slug.lower() if slug else None,
        customer_email=customer if isinstance(customer, str) else None,
        customer_name=_text(row.customer_name), amount_cents=amount,
        commission_cents=commission, currency=str(row.currency), occurred_at=moment,
        paid=row.paid, type=str(kind), stripe_customer_id=_text(row.stripe_customer_id),
        stripe_subscription_id=_text(row.stripe_subscription_id),
        external_id=_text(row.external_id))


def check_rows(rows: Sequence[ConversionImportRow], now: datetime) -> list[CheckedRow]:
    """Every row checked before anything is written: any offending row refuses the request
    with one ``{index, error}`` per offending row."""
    checked = [check_row(i, row, now) for i, row in enumerate(rows)]
    errors = [{"index": i, "error": c} for i, c in enumerate(checked) if isinstance(c, str)]
    if errors:
        raise InvalidRows(f"{len(errors)} of {len(rows)} rows are invalid; nothing was "
                          "imported", field="conversions", extra={"errors": errors})
    return [c for c in checked if isinstance(c, CheckedRow)]


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the database knows about the batch, within the org's program."""

    by_email: Mapping[str, uuid.UUID]
    by_slug: Mapping[str, uuid.UUID]
    imported_keys: frozenset[str]  # import keys already in the program
    booked_external_ids: frozenset[str]  # externalEventIds already booked in the org


@dataclass(frozen=True, slots=True)
class Settled:
    """How an imported row is recorded: only ``Approved`` (unlocked) is ever payable."""

    status: str
    locked: bool


def settle(paid: bool, confirm_unpaid_payout: bool) -> Settled:
    if paid:
        return Settled("Paid", locked=True)  # settled history: never payable again
    if confirm_unpaid_payout:
        return Settled("Approved", locked=False)  # a payable balance, as the caller confirmed
    return Settled("Pending", locked=True)  # unconfirmed history: never payable


@dataclass(frozen=True, slots=True)
class PlannedConversion:
    row: CheckedRow
    affiliate_id: uuid.UUID


@dataclass(slots=True)
class ConversionPlan:
    total: int
    rows: list[PlannedConversion] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str, count: int = 1) -> None:
        self.reasons[reason] += count

    @property
    def skipped(self) -> int:
        return sum(self.reasons.values())


def _affiliate(row: CheckedRow, lookup: Lookup) -> uuid.UUID | None:
    """By email within the program first, then by link slug (an affiliate of this program)."""
    found = lookup.by_email.get(row.affiliate_email) if row.affiliate_email else None
    if found is None and row.affiliate_slug:
        found = lookup.by_slug.get(row.affiliate_slug)
    return found


def _skip_reason(row: CheckedRow, lookup: Lookup, claimed: set[str], exclude_paid: bool
                 ) -> str | None:
    if exclude_paid and row.paid:
        return "excluded_paid"
    if row.key in claimed:
        return "duplicate_in_batch"
    if row.key in lookup.imported_keys:
        return "already_imported"
    if row.external_id is not None and row.external_id in lookup.booked_external_ids:
        return "already_recorded"  # the same externalId booked otherwise (S2S, other program)
    return None


def plan_conversions(rows: Sequence[CheckedRow], lookup: Lookup, *, exclude_paid: bool
                     ) -> ConversionPlan:
    """Which rows import. The first (not excluded) row with a key claims it for the batch,
    whatever becomes of it, so a re-run reports the same duplicates; a key already imported
    into the program is skipped, so re-running a file never books a sale twice."""
    plan, claimed = ConversionPlan(total=len(rows)), set[str]()
    for row in rows:
        reason = _skip_reason(row, lookup, claimed, exclude_paid)
        if reason != "excluded_paid":
            claimed.add(row.key)
        affiliate_id = _affiliate(row, lookup) if reason is None else None
        if affiliate_id is None:
            plan.skip(reason or "affiliate_not_found")
            continue
        plan.rows.append(PlannedConversion(row, affiliate_id))
    return plan


def balances(rows: Iterable[PlannedConversion], *, paid: bool) -> list[Balance]:
    """Commission and count per currency (sorted by code) of the paid or unpaid rows."""
    cents: Counter[str] = Counter()
    count: Counter[str] = Counter()
    for planned in rows:
        if planned.row.paid == paid:
            cents[planned.row.currency] += planned.row.commission_cents
            count[planned.row.currency] += 1
    return [Balance(currency=c, commission_cents=cents[c], count=count[c])
            for c in sorted(count)]


def preview_of(plan: ConversionPlan) -> ConversionImportPreview:
    """Invalid rows refuse the request before a plan exists, so ``wouldError`` is always 0."""
    return ConversionImportPreview(
        rows_total=plan.total, would_import=len(plan.rows), would_skip=plan.skipped,
        would_error=0, skip_reasons=dict(sorted(plan.reasons.items())),
        paid_balance=balances(plan.rows, paid=True),
        unpaid_balance=balances(plan.rows, paid=False))


def lookup_keys(rows: Iterable[CheckedRow]) -> tuple[list[str], list[str], list[str], list[str]]:
    """Emails, slugs, import keys and externalIds to look up for a batch (sorted, distinct)."""
    rows = list(rows)

    def distinct(values: Iterable[str | None]) -> list[str]:
        return sorted({v for v in values if v is not None})

    return (distinct(r.affiliate_email for r in rows), distinct(r.affiliate_slug for r in rows),
            distinct(r.key for r in rows), distinct(r.external_id for r in rows))
