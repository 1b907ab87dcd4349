"""Sub-affiliate recruiting, brand side: the per-program switch and percent, and the downline
rows with what each recruit earned and what its recruiter earned from it.

The downline's money (our reading where the reference only names the fields):
- ``totalCommissionCents``: the commission the recruit's own activity generated (sales, lead
  and click rewards, bonuses), not overrides it earned from recruits of its own: the override
  is one tier, so a recruiter's view never reaches two tiers down.
- ``overrideEarnedCents``: the recruiter's ``sub_affiliate_override`` rows beside the recruit's
  sales.
- Refunded and Denied rows count for nothing, as in the dashboard's earnings (a refund takes
  the sale and its override back together); Pending, Approved and Paid rows count.
- Each row is in its own currency; totals are in the org's home currency, each day's sum
  converted at that day's rate, the way the dashboard normalises on read."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from libs.contracts import subaffiliates as contract
from services.ledger.affiliates.domain.model import Affiliate

# (day, currency, cents) -> cents in the home currency
ToHome = Callable[[date, str, int], int]


@dataclass(frozen=True, slots=True)
class SubAffiliateConfig:
    enabled: bool
    percent: Decimal


@dataclass(frozen=True, slots=True)
class DaySum:
    """One recruit's counted cents of one UTC day in one currency."""

    recruit_id: uuid.UUID
    day: date
    currency: str
    commission_cents: int  # the recruit's own rows
    override_cents: int  # the recruiter's overrides beside them


@dataclass(frozen=True, slots=True)
class Totals:
    """A recruit's totals in the home currency."""

    commission_cents: int = 0
    override_cents: int = 0


def totals_of(sums: Iterable[DaySum], to_home: ToHome) -> dict[uuid.UUID, Totals]:
    """Per recruit, each day's sums converted, then added (a total reconciles with its days)."""
    totals: dict[uuid.UUID, Totals] = {}
    for s in sums:
        seen = totals.get(s.recruit_id, Totals())
        totals[s.recruit_id] = Totals(
            seen.commission_cents + to_home(s.day, s.currency, s.commission_cents),
            seen.override_cents + to_home(s.day, s.currency, s.override_cents))
    return totals


def config_response(config: SubAffiliateConfig) -> contract.SubAffiliateConfig:
    return contract.SubAffiliateConfig(enabled=config.enabled, percent=config.percent)


def downline_item(recruit: Affiliate, *, currency: str, totals: Totals) -> contract.SubAffiliate:
    return contract.SubAffiliate(
        id=recruit.id, email=recruit.email, full_name=recruit.full_name, status=recruit.status,
        total_commission_cents=totals.commission_cents,
        override_earned_cents=totals.override_cents, currency=currency)
