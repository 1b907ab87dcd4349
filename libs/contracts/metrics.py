"""Brand metrics: the dashboard's queries and answers, the ledger's methods that answer them
from its rollups, and the click roll-up tracking publishes to feed them."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel

from libs.contracts.common import ApiModel, QueryDatetime, Resource, Timestamp
from libs.contracts.conversions import ConversionResponse
from libs.contracts.programs import OrgScoped
from libs.shared.rpc import Rpc

# ---- the click roll-up (tracking -> ledger) ---------------------------------------------------
CLICKS_ROLLED = "tracking.clicks.rolled"
DIRECT = "(direct)"  # the source of a click without a usable referrer host
# The ledger's own: conversions a ban denied (not a webhook type), {orgId, conversionIds}.
CONVERSIONS_DENIED = "ledger.conversions.denied"
# Also the ledger's own: an import's conversions {orgId, programId, conversions: [{id,
# affiliateId, amountCents, currency, commissionCents, status, type, createdAt,
# subscriptionId}]} (an import
# fires no conversion.created), and the ids a revert removed {orgId, conversionIds}.
CONVERSIONS_IMPORTED = "ledger.conversions.imported"
CONVERSIONS_REVERTED = "ledger.conversions.reverted"
# Also the ledger's own, and no webhook type (the catalogue has none for it, and customer
# endpoints subscribe to ``conversion.*``): one step of a provider's partial refund.
CONVERSION_PARTIALLY_REFUNDED = "ledger.conversion.partially_refunded"


class ClickCell(ApiModel):
    """Clicks of one flush that share every dimension the dashboard slices by."""

    program_id: uuid.UUID = Field(alias="programId")
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    hour: datetime  # the UTC hour the clicks happened in
    referrer_host: str | None = Field(alias="referrerHost")
    country: str
    device: str
    utm_source: str | None = Field(alias="utmSource")
    utm_medium: str | None = Field(alias="utmMedium")
    utm_campaign: str | None = Field(alias="utmCampaign")
    bot: bool
    clicks: Annotated[int, Field(gt=0)]
    # The link the clicks came through and their sub-id (the landing URL's ``sub_id``...,
    # ``services/tracking/domain/visits.py``). None: a cell of a tracking that predates them.
    slug: str | None = None
    sub_id: str | None = Field(default=None, alias="subId")


class ClicksRolled(ApiModel):
    """One org's clicks of one write batch, published in the batch's transaction: applied once
    by the ledger (the event id is remembered), so a click counts once however often the
    event is delivered."""

    org_id: uuid.UUID = Field(alias="orgId")
    cells: list[ClickCell]


class ConversionPartiallyRefunded(ApiModel):
    """A step of a partial refund, published in the refund's transaction. ``conversion`` is the
    row as the rollups count it after the step: its booked amount and commission less all that
    partial refunds took back so far (a Paid row keeps its commission and is clawed back; the
    dashboard counts it net). Cumulative, as the provider's figures are: the rollups lower a
    sale to these figures, never below, so a copy or a step seen after a later one changes
    nothing; and a step seen before its sale's ``conversion.created`` counts the sale as it
    stands."""

    id: uuid.UUID  # the step's ``refund`` timeline event: applied once
    org_id: uuid.UUID = Field(alias="orgId")
    conversion: ConversionResponse


# ---- dashboard queries -----------------------------------------------------------------------
class Metric(StrEnum):
    clicks = "clicks"
    conversions = "conversions"
    leads = "leads"
    payouts = "payouts"


class ExportMetric(StrEnum):
    clicks = "clicks"
    conversions = "conversions"
    payouts = "payouts"


class RankBy(StrEnum):
    clicks = "clicks"
    conversions = "conversions"
    earnings = "earnings"
    epc = "epc"


class Granularity(StrEnum):
    day = "day"


class SummaryQuery(BaseModel):
    since: QueryDatetime | None = Field(default=None, description=(
        "Default 30 days ago. Windows are whole UTC days: the day of `since` is included."))

    model_config = ConfigDict(populate_by_name=True)


class TimeseriesQuery(BaseModel):
    metric: Metric
    since: QueryDatetime | None = Field(default=None, description="Default 30 days ago")
    until: QueryDatetime | None = Field(default=None, description="Default now (exclusive)")
    granularity: Granularity = Granularity.day

    model_config = ConfigDict(populate_by_name=True)


class ExportQuery(BaseModel):
    metric: ExportMetric
    since: QueryDatetime | None = None
    until: QueryDatetime | None = None

    model_config = ConfigDict(populate_by_name=True)


class LeaderboardQuery(BaseModel):
    metric: RankBy
    limit: int = Field(default=10, ge=1, le=50)
    since: QueryDatetime | None = None
    program_id: uuid.UUID | None = Field(default=None, alias="programId")

    model_config = ConfigDict(populate_by_name=True)


class TrafficQuery(BaseModel):
    since: QueryDatetime | None = None
    program_id: uuid.UUID | None = Field(default=None, alias="programId")
    affiliate_id: uuid.UUID | None = Field(default=None, alias="affiliateId")

    model_config = ConfigDict(populate_by_name=True)


# ---- dashboard answers -----------------------------------------------------------------------
class Summary(Resource):
    total_clicks: int = Field(alias="totalClicks")
    total_conversions: int = Field(alias="totalConversions")
    total_leads: int = Field(alias="totalLeads")
    total_earnings_cents: int = Field(alias="totalEarningsCents")
    conversion_rate: float = Field(alias="conversionRate", description=(
        "Percent (4.72 = 4.72%), rounded to 4 decimals: conversions / clicks x 100, 0 "
        "without clicks."))
    active_affiliates: int = Field(alias="activeAffiliates")
    pending_payouts_cents: int = Field(alias="pendingPayoutsCents")


class Point(Resource):
    bucket: str  # the UTC day, YYYY-MM-DD
    count: int


class Timeseries(Resource):
    metric: Metric
    granularity: Granularity
    since: Timestamp
    until: Timestamp
    points: list[Point]


class Leader(Resource):
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    full_name: str | None = Field(alias="fullName")
    email: str
    value: int


class Leaderboard(RootModel[list[Leader]]):
    pass


class Source(Resource):
    source: str
    count: int
    percentage: float


class TrafficSources(RootModel[list[Source]]):
    pass


class ExportRows(Resource):
    """The CSV's rows, as the ledger answers them (the gateway writes the CSV)."""

    metric: ExportMetric
    points: list[Point]


# ---- the ledger's methods --------------------------------------------------------------------
class GetSummary(OrgScoped, SummaryQuery):
    pass


class GetTimeseries(OrgScoped, TimeseriesQuery):
    pass


class GetExport(OrgScoped, ExportQuery):
    pass


class GetLeaderboard(OrgScoped, LeaderboardQuery):
    pass


class GetTrafficSources(OrgScoped, TrafficQuery):
    pass


SUMMARY = Rpc("ledger", "metrics.summary", GetSummary, Summary)
TIMESERIES = Rpc("ledger", "metrics.timeseries", GetTimeseries, Timeseries)
EXPORT_SERIES = Rpc("ledger", "metrics.export", GetExport, ExportRows)
LEADERBOARD = Rpc("ledger", "metrics.leaderboard", GetLeaderboard, Leaderboard)
TRAFFIC_SOURCES = Rpc("ledger", "metrics.traffic_sources", GetTrafficSources, TrafficSources)
