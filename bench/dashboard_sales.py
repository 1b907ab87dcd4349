"""The conversions of ``dashboard_read``'s data set, its payouts and FX rates, generated
deterministically beside the clicks (``bench/dashboard_data.py``: same shape, anchor, ids).

The mix: 6% LeadReward rows (free signups, a 2.00 USD reward); sales are OneTime at a few price
points, or charges of monthly subscriptions (type Recurring with a subscription id, renewing
every 30 days; 12% churn at each renewal; in the first 30 days, renewals of subscriptions that
began before the period too). 10% of new sales and subscriptions are in EUR (home currency
USD: the dashboard converts them with each day's rate). 30% of sales are by a returning
customer. Attribution: 12% coupon, 8% e-mail match, renewals by subscription, the rest by link.
Commission: 20% of the sale (the program's rate). Lifecycle, as the ledger would have left it
at the anchor: 5% of sales Refunded within 10 days, 1.5% of rows Denied; the rest Pending for
the 14 payout grace days, then Approved, then Paid by the weekly payout run on the Monday after
approval (its noon); a payout pays one affiliate's rows of one currency."""

from __future__ import annotations

import math
import random
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from bench.dashboard_data import Ids, Shape, click_weights, per_hour, start_of, zipf_cumulative
from bench.dashboard_data import hour_weights as traffic
from libs.contracts.attribution_methods import AttributionMethod
from libs.contracts.conversions import ConversionResponse, ConversionStatus, ConversionType
from libs.contracts.payouts import PayoutResponse
from services.ledger.fx.domain.model import DayRate
from services.ledger.metrics.domain.rollup import Fact, fact_of

CONVERSION_COLUMNS = ("id", "org_id", "program_id", "affiliate_id", "amount_cents", "currency",
                      "commission_cents", "status", "type", "external_event_id",
                      "stripe_subscription_id", "stripe_customer_id", "customer_email",
                      "attribution_method", "coupon_code", "created_at", "approved_at",
                      "refunded_at", "approve_after")
(ID, ORG, PROGRAM, AFFILIATE, AMOUNT, CURRENCY, COMMISSION, STATUS, TYPE, EXTERNAL, SUBSCRIPTION,
 CUSTOMER, EMAIL, METHOD, COUPON, CREATED, APPROVED, REFUNDED, APPROVE_AFTER) = range(19)
GRACE_DAYS = 14  # the org's payout grace days
GRACE = timedelta(days=GRACE_DAYS)
MONTH_HOURS = 30 * 24
PERCENT = 20
LEAD_REWARD_CENTS = 200
PAYOUT_AT = time(12, tzinfo=UTC)
PRICES = (1900, 2900, 4900, 9900, 19900), (30, 25, 25, 15, 5)
PLANS = (900, 1900, 4900), (40, 40, 20)
# Shares (0..1) of the rows of each kind.
LEADS, NEW_SUBSCRIPTIONS, OLD_SUBSCRIPTIONS = 0.06, 0.10, 0.08
IN_EUR, RETURNING, BY_COUPON, BY_EMAIL = 0.10, 0.30, 0.12, 0.08
REFUNDS, DENIALS, CHURN = 0.05, 0.015, 0.12


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    affiliate: int
    currency: str
    price: int
    customer: str


def payout_day(approve_after: datetime) -> date:
    """The weekly run that pays a row: the first Monday after the day it became Approved."""
    day = approve_after.date()
    return day + timedelta(days=8 - day.isoweekday())


def commission_of(amount_cents: int) -> int:
    return (amount_cents * PERCENT + 50) // 100


class Sales:
    """``hours()`` yields each hour's start and conversions (``CONVERSION_COLUMNS`` rows, by
    time); afterwards ``paid`` holds what the payout runs paid, per (affiliate, currency,
    day)."""

    def __init__(self, shape: Shape, ids: Ids, anchor: datetime) -> None:
        self.shape, self.ids, self.anchor = shape, ids, anchor
        self.rng = random.Random(f"{shape.seed}:sales")
        quality = [self.rng.lognormvariate(0, 0.6) for _ in range(shape.affiliates)]
        self.cumulative = zipf_cumulative([w * q for w, q in zip(click_weights(shape.affiliates),
                                                                 quality, strict=True)])
        self.renewals: dict[int, list[Subscription]] = defaultdict(list)
        self.customers: list[str] = []
        self.seq = 0
        self.paid: dict[tuple[int, str, date], int] = defaultdict(int)

    def hours(self) -> Iterator[tuple[datetime, list[tuple[Any, ...]]]]:
        start = start_of(self.shape, self.anchor)
        counts = per_hour(self.shape.conversions, traffic(self.shape, self.anchor))
        for h, n in enumerate(counts):
            due = self.renewals.pop(h, [])[:n]  # more renewals than the hour's volume: churned
            base = start + timedelta(hours=h)
            rows = [self._charge(h, base, s, "subscription") for s in due]
            for a in self.rng.choices(range(self.shape.affiliates), cum_weights=self.cumulative,
                                      k=n - len(due)):
                rows.append(self._new(h, base, a))
            rows.sort(key=lambda r: (r[CREATED], r[ID]))
            yield base, rows

    # ---- one row -----------------------------------------------------------------------------
    def _new(self, h: int, base: datetime, affiliate: int) -> tuple[Any, ...]:
        rng, u = self.rng, self.rng.random()
        if u < LEADS:  # a signup, known by its e-mail
            return self._row(base, affiliate, 0, "USD", LEAD_REWARD_CENTS, "LeadReward", None,
                             None, f"lead{self.seq + 1}@visitors.example", None)
        currency = "EUR" if rng.random() < IN_EUR else "USD"
        customer = self._customer()
        if u < LEADS + NEW_SUBSCRIPTIONS or (h < MONTH_HOURS
                                             and u < LEADS + NEW_SUBSCRIPTIONS + OLD_SUBSCRIPTIONS):
            sub = Subscription(f"sub_bench_{self.seq + 1}", affiliate, currency,
                               rng.choices(*PLANS)[0], customer)
            old = u >= LEADS + NEW_SUBSCRIPTIONS  # began before the period: this is a renewal
            return self._charge(h, base, sub, "subscription" if old else self._method())
        amount = rng.choices(*PRICES)[0]
        return self._row(base, affiliate, amount, currency, commission_of(amount), "OneTime",
                         None, customer, None, self._method())

    def _charge(self, h: int, base: datetime, sub: Subscription, method: str | None
                ) -> tuple[Any, ...]:
        if h + MONTH_HOURS < self.shape.hours and self.rng.random() >= CHURN:
            self.renewals[h + MONTH_HOURS].append(sub)
        return self._row(base, sub.affiliate, sub.price, sub.currency, commission_of(sub.price),
                         "Recurring", sub.id, sub.customer, None, method)

    def _method(self) -> str | None:
        u = self.rng.random()
        return "coupon" if u < BY_COUPON else "email_match" if u < BY_COUPON + BY_EMAIL else None

    def _customer(self) -> str:
        if self.customers and self.rng.random() < RETURNING:
            return self.customers[self.rng.randrange(len(self.customers))]
        self.customers.append(f"cus_bench_{len(self.customers) + 1}")
        return self.customers[-1]

    def _row(self, base: datetime, affiliate: int, amount: int, currency: str,
             commission: int, kind: str, subscription: str | None, customer: str | None,
             email: str | None, method: str | None) -> tuple[Any, ...]:
        rng, ids = self.rng, self.ids
        self.seq += 1
        created = base + timedelta(seconds=rng.randrange(3600))
        approve_after = created + GRACE
        status, approved, refunded = "Pending", None, None
        u = rng.random()
        if kind != "LeadReward" and u < REFUNDS:
            status = "Refunded"
            refunded = min(created + timedelta(hours=rng.randrange(24, 240)),
                           self.anchor - timedelta(seconds=1))
        elif u < REFUNDS + DENIALS:
            status = "Denied"
        elif approve_after <= self.anchor:
            status, approved = "Approved", approve_after
            paid_on = payout_day(approve_after)
            if datetime.combine(paid_on, PAYOUT_AT) <= self.anchor:
                status = "Paid"
                self.paid[(affiliate, currency, paid_on)] += commission
        return (uuid.UUID(int=rng.getrandbits(128), version=4), ids.org_id, ids.program_id,
                ids.affiliates[affiliate], amount, currency, commission, status, kind,
                f"bench_{self.seq}", subscription, customer, email, method,
                f"AFF{affiliate:05d}" if method == "coupon" else None, created, approved,
                refunded, approve_after)


# ---- what the rollups are fed ---------------------------------------------------------------
def as_booked(row: tuple[Any, ...]) -> ConversionResponse:
    """The conversion as ``conversion.created`` carried it: Pending, not refunded yet."""
    return ConversionResponse.model_construct(
        id=row[ID], affiliate_id=row[AFFILIATE], program_id=row[PROGRAM],
        amount_cents=row[AMOUNT], currency=row[CURRENCY], commission_cents=row[COMMISSION],
        status=ConversionStatus.Pending, type=ConversionType(row[TYPE]),
        stripe_subscription_id=row[SUBSCRIPTION], stripe_customer_id=row[CUSTOMER],
        external_event_id=row[EXTERNAL], created_at=row[CREATED], refunded_at=None,
        attribution_method=None if row[METHOD] is None else AttributionMethod(row[METHOD]),
        coupon_code=row[COUPON], parent_affiliate_conversion_id=None)


def booked_fact(row: tuple[Any, ...]) -> Fact:
    """What the metrics consumer made of the row's ``conversion.created`` (``fact_of``)."""
    return fact_of(row[ORG], as_booked(row))


def payouts(ids: Ids, paid: dict[tuple[int, str, date], int]) -> list[PayoutResponse]:
    """The ``payout.paid`` events of the weekly runs: one per affiliate, currency and run."""
    out = []
    for (affiliate, currency, day), cents in sorted(paid.items()):
        at = datetime.combine(day, PAYOUT_AT).isoformat()
        out.append(PayoutResponse.model_validate({
            "id": str(uuid.uuid5(ids.org_id, f"payout/{affiliate}/{currency}/{day}")),
            "affiliateId": str(ids.affiliates[affiliate]), "amountCents": cents,
            "currency": currency, "method": "Manual", "status": "Paid",
            "stripeTransferId": None, "externalTransactionId": None, "notes": None,
            "failureReason": None, "periodStart": (day - timedelta(days=7)).isoformat(),
            "periodEnd": (day - timedelta(days=1)).isoformat(), "createdAt": at,
            "paidAt": at, "failedAt": None, "lineItems": []}))
    return out


def fx_rates(shape: Shape, anchor: datetime) -> list[DayRate]:
    """ECB-style USD rates (EUR base) on weekdays from before the period through the anchor:
    every day of it finds a rate on or before it."""
    first = start_of(shape, anchor).date() - timedelta(days=10)
    rates = []
    for n in range((anchor.date() - first).days + 1):
        day = first + timedelta(days=n)
        if day.isoweekday() <= 5:
            rates.append(DayRate(day, "USD", Decimal(f"{1.08 + 0.03 * math.sin(n / 11):.4f}"),
                                 "ecb"))
    return rates
