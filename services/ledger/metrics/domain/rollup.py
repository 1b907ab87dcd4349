"""What each event adds to the dashboard's rollups, as plain data: a ``Delta`` per rollup row.

Rules (the reference's where it has them, ours where it is silent):
- A conversion counts on the UTC day it was booked (``createdAt``) unless it is Refunded or
  Denied; a refund or a denial later takes back exactly what it added.
- ``conversions`` counts sales (OneTime and Recurring rows; an override beside a sale is the
  recruiter's commission, not a sale); ``leads`` counts LeadReward rows (free identified
  signups); earnings (``commission_cents``) add every commission row: sales, overrides, lead
  and click rewards, bonuses.
- Clicks count on their UTC day; bots are kept apart (``bot_clicks``), not in ``clicks``.
- A payout counts on the day it was paid, in its currency; it has no program (the nil id)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from libs.contracts.conversions import ConversionResponse
from libs.contracts.metrics import DIRECT, ClicksRolled
from libs.contracts.payouts import PayoutResponse

NO_PROGRAM = uuid.UUID(int=0)
NO_CURRENCY = ""
SALES = frozenset({"OneTime", "Recurring"})
NOT_COUNTED = frozenset({"Refunded", "Denied"})
COLUMNS = ("clicks", "bot_clicks", "leads", "conversions", "revenue_cents", "commission_cents",
           "payouts_cents")
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
    amount_cents: int
    commission_cents: int
    counted: bool

    @property
    def key(self) -> DayKey:
        return (self.org_id, self.day, self.program_id, self.affiliate_id, self.currency)

    def columns(self, sign: int) -> dict[str, int]:
        return {"conversions": sign * self.sale, "leads": sign * self.lead,
                "revenue_cents": sign * self.amount_cents * self.sale,
                "commission_cents": sign * self.commission_cents}


def fact_of(org_id: uuid.UUID, c: ConversionResponse) -> Fact:
    sale = c.type.value in SALES and c.parent_affiliate_conversion_id is None
    return Fact(c.id, org_id, c.created_at.date(), c.program_id, c.affiliate_id, c.currency,
                sale, c.type.value == "LeadReward", c.amount_cents, c.commission_cents,
                c.status.value not in NOT_COUNTED)


class Deltas:
    """Increments gathered over a batch of events, one per rollup row, so each row is written
    once per batch (and in key order: two consumers never deadlock on the same rows)."""

    def __init__(self) -> None:
        self.days: dict[DayKey, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
        self.sources: dict[SourceKey, int] = defaultdict(int)

    def add(self, key: DayKey, columns: dict[str, int]) -> None:
        row = self.days[key]
        for name, value in columns.items():
            row[name] += value

    def clicks(self, event: ClicksRolled) -> None:
        for cell in event.cells:
            day = cell.hour.date()
            key = (event.org_id, day, cell.program_id, cell.affiliate_id, NO_CURRENCY)
            self.add(key, {"bot_clicks" if cell.bot else "clicks": cell.clicks})
            if not cell.bot:
                source = (event.org_id, day, cell.program_id, cell.affiliate_id,
                          cell.referrer_host or DIRECT)
                self.sources[source] += cell.clicks

    def payout(self, org_id: uuid.UUID, p: PayoutResponse) -> None:
        day = (p.paid_at or p.created_at).date()
        self.add((org_id, day, NO_PROGRAM, p.affiliate_id, p.currency),
                 {"payouts_cents": p.amount_cents})

    def day_rows(self) -> list[tuple[Any, ...]]:
        return [(*key, *(cols[c] for c in COLUMNS)) for key, cols in sorted(self.days.items())
                if any(cols.values())]

    def source_rows(self) -> list[tuple[Any, ...]]:
        return [(*key, clicks) for key, clicks in sorted(self.sources.items()) if clicks]
