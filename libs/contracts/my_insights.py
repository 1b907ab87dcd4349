"""The affiliate's own insights (``GET /api/me/insights/{module}``): the brand modules' mirror,
self-scoped and PII-free. The gateway resolves the signed-in affiliate's memberships (an
affiliate person can belong to several orgs) and sends them with the query; the ledger answers
from the per-affiliate rollups of exactly those memberships. Answers hold the caller's own
counts and commission, and referrer hosts, countries, device classes, link slugs, sub-ids and
time buckets: never a brand's revenue, never a customer's identity.

Money: commission is summed per day in the currency it was earned in and converted to one
reporting ``currency`` with each day's rate: the focused membership's org's home currency when
``affiliateId`` is given; otherwise the home currency the caller's orgs share, or USD when they
have different ones. ``overview.commissionByCurrency`` keeps the unconverted sums.
Per-dimension ``commissionCents`` is the commission of the caller's sales (overrides, lead
and click rewards and bonuses count in ``overview`` only)."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from pydantic import Field, RootModel

from libs.contracts import insights as ins
from libs.contracts.affiliate_sessions import MeScoped
from libs.contracts.common import Resource
from libs.shared.rpc import Rpc

CURRENCY = ("The currency money is reported in: the focused membership's org's home currency, "
            "else the one the caller's orgs share, else USD")
MY_COMMISSION = "The caller's commission on these sales, in `currency`"


class MyModule(StrEnum):
    """The affiliate modules, as named in the path."""

    overview = "overview"
    sale_origin = "sale-origin"
    geography = "geography"
    devices = "devices"
    links = "links"
    time_patterns = "time-patterns"
    utm = "utm"
    channels = "channels"


class MyInsightQuery(ins.InsightQuery):
    """The brand modules' query; ``affiliateId`` focuses one of the caller's memberships."""

    affiliate_id: uuid.UUID | None = Field(default=None, alias="affiliateId", description=(
        "Focus one membership: your affiliate id in one organization (404 "
        "`affiliate_not_found` when it is not one of yours)"))


class GetMyInsight(MeScoped, MyInsightQuery):
    """The gateway's query plus the caller's memberships, as it resolved them."""

    module: MyModule


# ---- answers ---------------------------------------------------------------------------------
class CurrencyCommission(Resource):
    currency: str
    commission_cents: int = Field(alias="commissionCents")


class MyOverview(Resource):
    clicks: int
    conversions: int
    conversion_rate: float = Field(alias="conversionRate", description="Percent, 4 decimals")
    epc_cents: int = Field(alias="epcCents", description="Commission per click")
    commission_cents: int = Field(alias="commissionCents", description=(
        "Every commission row of yours (sales, overrides, lead and click rewards, bonuses), "
        "in `currency`"))
    commission_by_currency: list[CurrencyCommission] = Field(
        alias="commissionByCurrency", description="The same commission unconverted, per "
                                                  "currency it was earned in")
    refunded_conversions: int = Field(alias="refundedConversions")
    refund_rate: float = Field(alias="refundRate", description=(
        "refunded / (sales + refunded), a 0..1 fraction, 4 decimals"))
    recurring_conversions: int = Field(alias="recurringConversions")
    recurring_share_pct: float = Field(alias="recurringSharePct", description=(
        "Recurring sales as a percent of sales, 2 decimals"))
    leads: int
    click_to_lead_rate: float = Field(alias="clickToLeadRate", description="0..1, 4 decimals")
    lead_to_sale_rate: float = Field(alias="leadToSaleRate", description="0..1, 4 decimals")
    currency: str = Field(description=CURRENCY)


class MyOriginSource(Resource):
    source: str = Field(description="Referrer host of the originating click; `(direct)` "
                                    "without one")
    conversions: int
    commission_cents: int = Field(alias="commissionCents", description=MY_COMMISSION)


class MySaleOrigin(Resource):
    sources: list[MyOriginSource] = Field(description=(
        "The top 20 referring hosts by sales, then commission"))
    attributed_conversions: int = Field(alias="attributedConversions",
                                        description=ins.ATTRIBUTED)
    total_conversions: int = Field(alias="totalConversions")
    coverage: float = Field(description=ins.COVERAGE)
    currency: str = Field(description=CURRENCY)


class MyCountryRow(Resource):
    country: str = Field(description="ISO 3166 alpha-2; `(unknown)`: clicks without a country "
                                     "and sales without an originating click")
    clicks: int
    conversions: int
    commission_cents: int = Field(alias="commissionCents", description=MY_COMMISSION)


class MyGeography(Resource):
    rows: list[MyCountryRow] = Field(description="By sales, then clicks; `(unknown)` last")
    currency: str = Field(description=CURRENCY)


class MyUtmRow(Resource):
    value: str = Field(description="`(none)`: clicks (and their sales) without this "
                                   "parameter; `(unknown)`: sales without an originating click")
    clicks: int
    conversions: int
    commission_cents: int = Field(alias="commissionCents", description=MY_COMMISSION)


class MyUtm(Resource):
    dimension: ins.UtmDimension
    rows: list[MyUtmRow] = Field(description="By clicks, then sales; `(unknown)` last")
    currency: str = Field(description=CURRENCY)


class LinkRow(Resource):
    slug: str = Field(description=(
        "Your link's slug: the link a click came through; for a sale, the link that credited "
        "it (the S2S `affiliateSlug`), else its originating click's link; `(unknown)`: sales "
        "with neither (e-mail matches, renewals, imports)"))
    clicks: int
    conversions: int
    commission_cents: int = Field(alias="commissionCents", description=MY_COMMISSION)


class MyLinks(Resource):
    rows: list[LinkRow] = Field(description="The top 100 by clicks, then sales; `(unknown)` "
                                            "last")
    currency: str = Field(description=CURRENCY)


class ChannelRow(Resource):
    sub_id: str = Field(alias="subId", description=(
        "The sub-id of the click (the landing URL's `sub_id`, else `subid`, `sub1`, `sub`); "
        "`(none)`: clicks (and their sales) without one; `(unknown)`: sales without an "
        "originating click"))
    clicks: int
    conversions: int
    commission_cents: int = Field(alias="commissionCents", description=MY_COMMISSION)


class MyChannels(Resource):
    rows: list[ChannelRow] = Field(description="The top 100 by clicks, then sales; "
                                               "`(unknown)` last")
    currency: str = Field(description=CURRENCY)


class MyInsight(RootModel[MyOverview | MySaleOrigin | MyGeography | ins.Devices | MyLinks
                          | ins.TimePatterns | MyUtm | MyChannels]):
    """The module's answer, as named in the path."""


OVERVIEW = Rpc("ledger", "my_insights.overview", GetMyInsight, MyOverview)
SALE_ORIGIN = Rpc("ledger", "my_insights.sale_origin", GetMyInsight, MySaleOrigin)
GEOGRAPHY = Rpc("ledger", "my_insights.geography", GetMyInsight, MyGeography)
DEVICES = Rpc("ledger", "my_insights.devices", GetMyInsight, ins.Devices)
LINKS = Rpc("ledger", "my_insights.links", GetMyInsight, MyLinks)
TIME_PATTERNS = Rpc("ledger", "my_insights.time_patterns", GetMyInsight, ins.TimePatterns)
UTM = Rpc("ledger", "my_insights.utm", GetMyInsight, MyUtm)
CHANNELS = Rpc("ledger", "my_insights.channels", GetMyInsight, MyChannels)
MY_INSIGHT_CSV = Rpc("ledger", "my_insights.csv", GetMyInsight, ins.InsightRows)

# The module named in the path -> its method (``format=csv`` asks ``MY_INSIGHT_CSV`` instead).
MY_INSIGHT_RPC: dict[MyModule, Rpc[GetMyInsight, Any]] = {
    MyModule.overview: OVERVIEW, MyModule.sale_origin: SALE_ORIGIN,
    MyModule.geography: GEOGRAPHY, MyModule.devices: DEVICES, MyModule.links: LINKS,
    MyModule.time_patterns: TIME_PATTERNS, MyModule.utm: UTM, MyModule.channels: CHANNELS}
