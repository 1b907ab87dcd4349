"""Insight modules: their query, their answers and the ledger's methods that compute them from
the dashboard's rollups (``libs/contracts/metrics.py``)."""

from __future__ import annotations

import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, RootModel

from libs.contracts.common import QueryDatetime, Resource
from libs.contracts.programs import OrgScoped
from libs.shared.rpc import Rpc


# ---- insights --------------------------------------------------------------------------------
class Module(StrEnum):
    """The insight modules, as named in the path."""

    overview = "overview"
    sale_origin = "sale-origin"
    geography = "geography"
    devices = "devices"
    utm = "utm"
    time_patterns = "time-patterns"
    time_to_convert = "time-to-convert"
    funnel = "funnel"
    attribution = "attribution"
    recurring = "recurring"
    customers = "customers"


class UtmDimension(StrEnum):
    source = "source"
    medium = "medium"
    campaign = "campaign"


class InsightFormat(StrEnum):
    json = "json"
    csv = "csv"


class InsightQuery(BaseModel):
    since: QueryDatetime | None = Field(default=None, description="Default 30 days ago")
    until: QueryDatetime | None = Field(default=None, description="Default now (exclusive)")
    program_id: uuid.UUID | None = Field(default=None, alias="programId")
    affiliate_id: uuid.UUID | None = Field(default=None, alias="affiliateId")
    format: InsightFormat = InsightFormat.json
    dimension: UtmDimension = Field(default=UtmDimension.source, description=(
        "`utm` only: which UTM parameter to break down"))

    model_config = ConfigDict(populate_by_name=True)


class Overview(Resource):
    clicks: int
    conversions: int
    conversion_rate: float = Field(alias="conversionRate", description="Percent, 4 decimals")
    epc_cents: int = Field(alias="epcCents", description="Commission per click")
    aov_cents: int = Field(alias="aovCents", description="Revenue per sale")
    gross_revenue_cents: int = Field(alias="grossRevenueCents")
    commission_cents: int = Field(alias="commissionCents")
    refunded_conversions: int = Field(alias="refundedConversions")
    refund_rate: float = Field(alias="refundRate", description=(
        "refunded / (sales + refunded), a 0..1 fraction, 4 decimals"))
    recurring_conversions: int = Field(alias="recurringConversions")
    recurring_share_pct: float = Field(alias="recurringSharePct", description=(
        "Recurring sales as a percent of sales, 2 decimals"))
    home_currency: str = Field(alias="homeCurrency")
    leads: int
    click_to_lead_rate: float = Field(alias="clickToLeadRate", description="0..1, 4 decimals")
    lead_to_sale_rate: float = Field(alias="leadToSaleRate", description="0..1, 4 decimals")


class FunnelStep(Resource):
    step: str
    count: int


class Funnel(Resource):
    steps: list[FunnelStep]


class AttributionRow(Resource):
    attribution: str
    conversions: int
    revenue_cents: int = Field(alias="revenueCents")
    commission_cents: int = Field(alias="commissionCents")


class Attribution(Resource):
    rows: list[AttributionRow]
    home_currency: str = Field(alias="homeCurrency")


class MixRow(Resource):
    kind: str  # OneTime | Recurring
    conversions: int
    revenue_cents: int = Field(alias="revenueCents")


class MrrMonth(Resource):
    month: str  # YYYY-MM
    mrr_cents: int = Field(alias="mrrCents")


class Recurring(Resource):
    mix: list[MixRow] = Field(description="Sales split into OneTime and Recurring rows (a "
                                          "subscription's charges, its first one included).")
    mrr_by_month: list[MrrMonth] = Field(alias="mrrByMonth", description=(
        "Per calendar month of the window: the revenue of sales of a subscription (first "
        "charges and renewals), home currency."))
    churned_subscriptions: int = Field(alias="churnedSubscriptions", description=(
        "Subscriptions whose charges stopped: the last one was 35 days before a day of the "
        "window, with none since."))
    home_currency: str = Field(alias="homeCurrency")


class CustomerRow(Resource):
    segment: str  # New | Returning
    conversions: int
    revenue_cents: int = Field(alias="revenueCents")


class Customers(Resource):
    rows: list[CustomerRow] = Field(description=(
        "Sales by customers buying for the first time, and by customers who bought before "
        "(the same Stripe customer, else the same customerId, else the same e-mail); a sale "
        "without any of them counts as New. No customer identity is returned."))
    home_currency: str = Field(alias="homeCurrency")


# ---- the click-dimension modules (coverage-aware: only sales with an originating click carry
# a click dimension; ``(unknown)`` holds the rest) -------------------------------------------
class OriginSource(Resource):
    source: str = Field(description="Referrer host of the originating click; `(direct)` "
                                    "without one")
    conversions: int
    revenue_cents: int = Field(alias="revenueCents")


ATTRIBUTED = "Sales with an originating click"
COVERAGE = "attributed / total, a 0..1 fraction, 4 decimals (0 without sales)"


class SaleOriginInsight(Resource):
    """The reference's example, key for key."""

    sources: list[OriginSource] = Field(description=(
        "The top 20 referring hosts by sales, then revenue"))
    attributed_conversions: int = Field(alias="attributedConversions", description=ATTRIBUTED)
    total_conversions: int = Field(alias="totalConversions")
    coverage: float = Field(description=COVERAGE)
    home_currency: str = Field(alias="homeCurrency")


class CountryRow(Resource):
    country: str = Field(description="ISO 3166 alpha-2; `(unknown)`: clicks without a country "
                                     "and sales without an originating click")
    clicks: int
    conversions: int
    revenue_cents: int = Field(alias="revenueCents")


class Geography(Resource):
    rows: list[CountryRow] = Field(description="By sales, then clicks; `(unknown)` last")
    home_currency: str = Field(alias="homeCurrency")


class DeviceRow(Resource):
    device: str = Field(description="Mobile | Tablet | Desktop | Bot | (unknown): sales "
                                    "without an originating click")
    clicks: int = Field(description="Bot: the bot clicks (counted nowhere else)")
    conversions: int


class Devices(Resource):
    rows: list[DeviceRow]


class UtmRow(Resource):
    value: str = Field(description="`(none)`: clicks (and their sales) without this "
                                   "parameter; `(unknown)`: sales without an originating click")
    clicks: int
    conversions: int
    revenue_cents: int = Field(alias="revenueCents")


class Utm(Resource):
    dimension: UtmDimension
    rows: list[UtmRow] = Field(description="By clicks, then sales; `(unknown)` last")
    home_currency: str = Field(alias="homeCurrency")


class TimeCell(Resource):
    day_of_week: int = Field(alias="dayOfWeek", description="0 = Sunday, UTC")
    hour: int = Field(description="0..23, UTC")
    clicks: int
    conversions: int = Field(description="Sales at this time (the sale's own time)")


class TimePatterns(Resource):
    cells: list[TimeCell] = Field(description="All 168 cells, Sunday 00h first")


class DelayBucket(Resource):
    bucket: str  # <1h | 1-24h | 1-7d | >7d
    conversions: int


class TimeToConvert(Resource):
    buckets: list[DelayBucket] = Field(description=(
        "Sales with an originating click, by the time from that click to the sale"))
    attributed_conversions: int = Field(alias="attributedConversions", description=ATTRIBUTED)
    total_conversions: int = Field(alias="totalConversions")
    coverage: float = Field(description=COVERAGE)


class InsightRows(Resource):
    """An insight as CSV rows (the gateway writes the CSV)."""

    header: list[str]
    rows: list[list[str | int | float | None]]


class Insight(RootModel[Overview | SaleOriginInsight | Geography | Devices | Utm | TimePatterns
                        | TimeToConvert | Funnel | Attribution | Recurring | Customers]):
    """The module's answer, as named in the path."""


class GetInsight(OrgScoped, InsightQuery):
    module: Module


OVERVIEW = Rpc("ledger", "insights.overview", GetInsight, Overview)
FUNNEL = Rpc("ledger", "insights.funnel", GetInsight, Funnel)
ATTRIBUTION = Rpc("ledger", "insights.attribution", GetInsight, Attribution)
RECURRING = Rpc("ledger", "insights.recurring", GetInsight, Recurring)
CUSTOMERS = Rpc("ledger", "insights.customers", GetInsight, Customers)
SALE_ORIGIN = Rpc("ledger", "insights.sale_origin", GetInsight, SaleOriginInsight)
GEOGRAPHY = Rpc("ledger", "insights.geography", GetInsight, Geography)
DEVICES = Rpc("ledger", "insights.devices", GetInsight, Devices)
UTM = Rpc("ledger", "insights.utm", GetInsight, Utm)
TIME_PATTERNS = Rpc("ledger", "insights.time_patterns", GetInsight, TimePatterns)
TIME_TO_CONVERT = Rpc("ledger", "insights.time_to_convert", GetInsight, TimeToConvert)
INSIGHT_CSV = Rpc("ledger", "insights.csv", GetInsight, InsightRows)
