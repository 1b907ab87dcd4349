"""Recurring commission: which renewals of a subscription earn.

The reference defines ``recurringMonths`` (null = lifetime, every renewal; 0 = one-time, no
renewals; N = the first N renewals) and is silent on ``recurringDelayInvoices``. We read the delay
as the number of renewals after the initial sale that earn nothing before the recurring window
opens, and the cap as the number of *earning* renewals: renewal k (1, 2, ...) earns when
D < k <= D + N. The initial sale is the sale itself and always earns its commission."""

from __future__ import annotations

from dataclasses import dataclass, replace

from services.ledger.conversions.domain.model import Conversion


@dataclass(frozen=True, slots=True)
class RecurringTerms:
    """The program's recurring settings, read from the ledger's program row at booking."""

    months: int | None  # None = lifetime
    delay_invoices: int


@dataclass(frozen=True, slots=True)
class Renewal:
    number: int  # 1 for the first renewal after the initial sale
    earns: bool


def renewal_earns(number: int, terms: RecurringTerms) -> bool:
    if number <= terms.delay_invoices:
        return False
    return terms.months is None or number <= terms.delay_invoices + terms.months


def next_renewal(renewals_so_far: int, terms: RecurringTerms) -> Renewal:
    """The renewal after ``renewals_so_far`` recorded ones (earning or not: all are counted)."""
    number = renewals_so_far + 1
    return Renewal(number, renewal_earns(number, terms))


def unearned(row: Conversion) -> Conversion:
    """A renewal that earns nothing still gets its own row (tracking answered its id), with
    commission 0: it shows on the subscription's timeline as a 0 ``renewal``, pays nothing,
    and its recruiter's override, a share of 0, is never booked."""
    return replace(row, commission_cents=0)
