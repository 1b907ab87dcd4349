"""What each event adds to the dashboard's rollups, as plain data: a ``Delta`` per rollup row.

Rules (the reference's where it has them, ours where it is silent):
- A conversion counts on the UTC day it was booked (``createdAt``) unless it is Refunded or
  Denied; a refund or a denial later takes back exactly what it added.
- ``conversions`` counts sales (OneTime and Recurring rows; an override beside a sale is the
  recruiter's commission, not a sale); ``leads`` counts LeadReward rows (free identified
  signups); earnings (``commission_cents``) add every commission row: sales, overrides, lead
  and click rewards, bonuses.
- A provider's partial refund lowers a counted conversion's revenue and commission, on its
  day, to what the refunds left (its commission too when Paid: the rest is clawed back); the
  sale still counts, and is ``refunded`` only when refunded whole (taking back what is left).
- Clicks count on their UTC day; bots are kept apart (``bot_clicks``), not in ``clicks``.
- A payout counts on the day it was paid, in its currency; it has no program (the nil id).
- The funnel's ``approved`` and ``paid`` count sales of the day that are Approved (or Paid)
  and Paid now; a refund or denial takes them back with the sale. ``refunded`` counts sales
  refunded (on the sale's day), not denied ones.
- Attribution: Coupon (``coupon``), Link (no method: the sale named an affiliate's link; or
  ``metadata_or_customer``: the checkout carried the link's attribution), Other (the rest:
  e-mail match, subscription, import)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from libs.contracts.conversions import ConversionResponse
from libs.contracts.metrics import DIRECT, ClicksRolled
from libs.contracts.payouts import PayoutResponse
from services.ledger.metrics.domain.dimensions import DimKey, click_values, hour_cell, sale_values

NO_PROGRAM = uuid.UUID(int=0)
NO_CURRENCY = ""
DEFAULT_HOME = "USD"  # an org's home currency until it sets one
SALES = frozenset({"OneTime", "Recurring"})
NOT_COUNTED = frozenset({"Refunded", "Denied"})
COLUMNS = ("clicks", "bot_clicks", "leads", "conversions", "revenue_cents", "commission_cents",
           "payouts_cents", "refunded", "recurring", "approved", "paid",
           "recurring_revenue_cents", "subscription_revenue_cents", "repeat_sales",
           "repeat_revenue_cents")
LINK_METHODS = frozenset({None, "metadata_or_customer"})
# (org, day, program, affiliate, currency, kind)
KindKey = tuple[uuid.UUID, date, uuid.UUID, uuid.UUID, str, str]
# (org, day, program, affiliate, currency)
DayKey = tuple[uuid.UUID, date, uuid.UUID, uuid.UUID, str]
# (org, day, program, affiliate, source)
SourceKey = tuple[uuid.UUID, date, uuid.UUID, uuid.UUID, str]


@dataclass(frozen=True, slots=True)
class Fact:
    """What the rollups hold of one conversion."""

    conversion_id: uuid.UUID
    org_id: uuid.UUID
    day: date
    program_id: uuid.UUID
    affiliate_id: uuid.UUID
    currency: str
    sale: bool
    lead: bool
    recurring: bool
    subscription_id: str | None
    repeat_customer: bool
    kind: str
    amount_cents: int
    commission_cents: int
    counted: bool
    stage: int = 0  # 0 booked, 1 approved, 2 paid
    # The click dimensions it counts under (``dimensions.py``): ``cell`` is the hour of week of
    # its own time (None: counted before 0020, so in no dimension row); the others are its
    # originating click's, None without one.
    cell: int | None = None
    source: str | None = None
    country: str | None = None
    device: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    delay: str | None = None
    # The affiliate's own dimensions (0022): the link the sale came through (known without a
    # click too) and its originating click's sub-id (``(none)`` when the click had none).
    link: str | None = None
    channel: str | None = None

    @property
    def key(self) -> DayKey:
        return (self.org_id, self.day, self.program_id, self.affiliate_id, self.currency)

    def columns(self, sign: int) -> dict[str, int]:
        """What counting (+1) or uncounting (-1) this conversion changes."""
        return {"conversions": sign * self.sale, "leads": sign * self.lead,
                "recurring": sign * (self.sale and self.recurring),
                "repeat_sales": sign * (self.sale and self.repeat_customer),
                "approved": sign * (self.sale and self.stage >= 1),
                "paid": sign * (self.sale and self.stage >= 2),
                **self.money(sign * self.amount_cents, sign * self.commission_cents)}

    def money(self, amount_cents: int, commission_cents: int) -> dict[str, int]:
        """The money columns ``amount_cents`` and ``commission_cents`` of this conversion
        change: its revenue goes where its kind of sale counts."""
        return {"revenue_cents": amount_cents * self.sale,
                "commission_cents": commission_cents,
                "recurring_revenue_cents": amount_cents * (self.sale and self.recurring),
                "subscription_revenue_cents": amount_cents * (
                    self.sale and self.subscription_id is not None),
                "repeat_revenue_cents": amount_cents * (self.sale and self.repeat_customer)}

    def advanced(self, stage: int) -> dict[str, int]:
        """What moving this counted sale on to ``stage`` adds to the funnel."""
        if not self.sale:
            return {}
        return {"approved": int(self.stage < 1 <= stage), "paid": int(self.stage < 2 <= stage)}


STAGES = {"Approved": 1, "Paid": 2}


def imported_fact(org_id: uuid.UUID, program_id: uuid.UUID, row: dict[str, Any]) -> Fact:
    """An imported row (``ledger.conversions.imported``): attributed by import, so Other."""
    status = row["status"]
    return Fact(uuid.UUID(row["id"]), org_id, date.fromisoformat(row["createdAt"][:10]),
                program_id, uuid.UUID(row["affiliateId"]), row["currency"],
                row["type"] in SALES, row["type"] == "LeadReward", row["type"] == "Recurring",
                row.get("subscriptionId"), False, "Other", row["amountCents"],
                row["commissionCents"],
                status not in NOT_COUNTED, STAGES.get(status, 0),
                hour_cell(datetime.fromisoformat(row["createdAt"])))


def fact_of(org_id: uuid.UUID, c: ConversionResponse) -> Fact:
    sale = c.type.value in SALES and c.parent_affiliate_conversion_id is None
    kind = ("Coupon" if c.attribution_method == "coupon"
            else "Link" if c.attribution_method in LINK_METHODS else "Other")
    return Fact(c.id, org_id, c.created_at.date(), c.program_id, c.affiliate_id, c.currency,
                sale, c.type.value == "LeadReward", c.type.value == "Recurring",
                c.stripe_subscription_id, False, kind,
                c.amount_cents, c.commission_cents, c.status.value not in NOT_COUNTED,
                STAGES.get(c.status.value, 0), hour_cell(c.created_at))


class Deltas:
    """Increments gathered over a batch of events, one per rollup row, so each row is written
    once per batch (and in key order: two consumers never deadlock on the same rows)."""

    def __init__(self) -> None:
        self.days: dict[DayKey, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
        self.sources: dict[SourceKey, int] = defaultdict(int)
        self.kinds: dict[KindKey, list[int]] = defaultdict(lambda: [0, 0, 0])
        # clicks, conversions, revenue, commission per (*DayKey, dimension, value)
        self.dims: dict[DimKey, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        # (org, subscription) -> program, affiliate, first and last day of its charges
        self.subscriptions: dict[tuple[uuid.UUID, str], list[Any]] = {}

    def add(self, key: DayKey, columns: dict[str, int]) -> None:
        row = self.days[key]
        for name, value in columns.items():
            row[name] += value

    def count(self, fact: Fact, sign: int, *, refund: bool = False) -> None:
        """Count (+1) or take back (-1) a conversion; a refund also counts as refunded."""
        columns = fact.columns(sign)
        if refund and fact.sale:
            columns["refunded"] = 1
        if sign > 0 and fact.sale and fact.subscription_id is not None:
            seen = self.subscriptions.setdefault(
                (fact.org_id, fact.subscription_id),
                [fact.program_id, fact.affiliate_id, fact.day, fact.day])
            seen[2], seen[3] = min(seen[2], fact.day), max(seen[3], fact.day)
        self._spread(fact, columns, sign, sign * fact.amount_cents, sign * fact.commission_cents)

    def lower(self, fact: Fact, amount_cents: int, commission_cents: int) -> None:
        """Take a partial refund's step off a counted conversion: its money only (the sale
        still counts, and is not ``refunded``)."""
        self._spread(fact, fact.money(-amount_cents, -commission_cents), 0, -amount_cents,
                     -commission_cents)

    def _spread(self, fact: Fact, columns: dict[str, int], sales: int, revenue: int,
                commission: int) -> None:
        """``columns`` on the conversion's day row; a sale's count, revenue and commission
        also under its kind of attribution and in each dimension it counts in."""
        self.add(fact.key, columns)
        if not fact.sale:
            return
        kind = self.kinds[(*fact.key, fact.kind)]
        for i, added in enumerate((sales, revenue, commission)):
            kind[i] += added
        if fact.cell is not None:
            for dimension, value in sale_values(fact):
                sums = self.dims[(*fact.key, dimension, value)]
                sums[1] += sales
                sums[2] += revenue
                sums[3] += commission

    def clicks(self, event: ClicksRolled) -> None:
        for cell in event.cells:
            day = cell.hour.date()
            key = (event.org_id, day, cell.program_id, cell.affiliate_id, NO_CURRENCY)
            self.add(key, {"bot_clicks" if cell.bot else "clicks": cell.clicks})
            for dimension, value in click_values(cell):
                self.dims[(*key, dimension, value)][0] += cell.clicks
            if not cell.bot:
                source = (event.org_id, day, cell.program_id, cell.affiliate_id,
                          cell.referrer_host or DIRECT)
                self.sources[source] += cell.clicks

    def payout(self, org_id: uuid.UUID, p: PayoutResponse) -> None:
        self.paid_out(org_id, (p.paid_at or p.created_at).date(), p.affiliate_id, p.currency,
                      p.amount_cents)

    def paid_out(self, org_id: uuid.UUID, day: date, affiliate_id: uuid.UUID, currency: str,
                 cents: int) -> None:
        """A payout counts on the day it was paid, in its currency, with no program."""
        self.add((org_id, day, NO_PROGRAM, affiliate_id, currency), {"payouts_cents": cents})

    def day_rows(self) -> list[tuple[Any, ...]]:
        return [(*key, *(cols[c] for c in COLUMNS)) for key, cols in sorted(self.days.items())
                if any(cols.values())]

    def source_rows(self) -> list[tuple[Any, ...]]:
        return [(*key, clicks) for key, clicks in sorted(self.sources.items()) if clicks]

    def subscription_rows(self) -> list[tuple[Any, ...]]:
        return [(*key, *seen) for key, seen in sorted(self.subscriptions.items())]

    def kind_rows(self) -> list[tuple[Any, ...]]:
        return [(*key, *sums) for key, sums in sorted(self.kinds.items()) if any(sums)]

    def dim_rows(self) -> list[tuple[Any, ...]]:
        return [(*key, *sums) for key, sums in sorted(self.dims.items()) if any(sums)]
