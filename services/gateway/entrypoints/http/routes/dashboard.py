"""Dashboard metrics: headline figures, series, rankings and traffic sources for the brand,
answered by the ledger from its rollups (kept up to date by events; nothing scans raw rows)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from libs.contracts import insights as ins
from libs.contracts import metrics as m
from libs.shared.rpc import Rpc
from services.gateway.domain.plans import Tier
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http.insight_views import UNKNOWN_AND_CSV, insight_view
from services.gateway.entrypoints.http.keys import BUS
from services.gateway.entrypoints.http.route_table import Route

TAG = "Dashboard"
DAYS = (" Windows are whole UTC days, from the day of `since` (default 30 days ago) through "
        "today, at most 3,660 days (400 `validation_failed`, field `since`, beyond that or "
        "when `since` is not before `until`). Money is in the org's home currency: each "
        "day's sums are converted with that day's rate. Refunded and Denied conversions are "
        "left out.")


async def export_series(request: web.Request, payload: dict[str, Any]) -> web.Response:
    rows = m.ExportRows.model_validate(await m.EXPORT_SERIES.call(request.app[BUS], payload))
    lines = [f"date,{rows.metric.value}", *(f"{p.bucket},{p.count}" for p in rows.points)]
    return web.Response(
        body=("\r\n".join(lines) + "\r\n").encode(), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{rows.metric.value}.csv"'})


INSIGHT_RPC: dict[ins.Module, Rpc[Any, Any]] = {
    ins.Module.overview: ins.OVERVIEW, ins.Module.sale_origin: ins.SALE_ORIGIN,
    ins.Module.geography: ins.GEOGRAPHY, ins.Module.devices: ins.DEVICES,
    ins.Module.utm: ins.UTM, ins.Module.time_patterns: ins.TIME_PATTERNS,
    ins.Module.time_to_convert: ins.TIME_TO_CONVERT, ins.Module.funnel: ins.FUNNEL,
    ins.Module.attribution: ins.ATTRIBUTION, ins.Module.recurring: ins.RECURRING,
    ins.Module.customers: ins.CUSTOMERS}
INSIGHTS_TEXT = (
    "Modules: `overview` (clicks, sales, conversionRate, epcCents, aovCents, "
    "grossRevenueCents, commissionCents, refundedConversions, refundRate, "
    "recurringConversions, recurringSharePct, leads, clickToLeadRate, leadToSaleRate), "
    "`sale-origin` (top 20 referring hosts of sales by conversions, then revenueCents; "
    "attributedConversions / totalConversions = coverage), `geography` (per country: clicks, "
    "conversions, revenueCents), `devices` (Mobile / Tablet / Desktop / Bot / (unknown): "
    "clicks, conversions), `utm` (`dimension` = source | medium | campaign; per value: clicks, "
    "conversions, revenueCents; `(none)` without the parameter), `time-patterns` (168 cells, "
    "dayOfWeek 0 = Sunday x hour, UTC: clicks, and sales at their own time), "
    "`time-to-convert` (<1h / 1-24h / 1-7d / >7d from the originating click to the sale, "
    "with coverage), `funnel` (clicks -> leads, only when the window has leads -> "
    "conversions -> approved -> paid: sales of the window that are Approved or Paid, and "
    "Paid, now), `attribution` (Coupon / Link / Other split of sales, revenueCents, "
    "commissionCents), `recurring` (one-time vs Recurring mix, mrrByMonth, "
    "churnedSubscriptions), `customers` (New vs Returning sales and revenueCents). "
    "Click dimensions are coverage-aware: a sale has an originating click only when its S2S "
    "call carried the loader's `referral` naming a stored click of the credited affiliate; "
    "other sales count under `(unknown)`. Clicks exclude bots except the devices Bot row. "
    + UNKNOWN_AND_CSV)


def _insight_route(path: str, operation: str, summary: str) -> Route:
    return Route("GET", path, None, summary, TAG, plan=Tier.Starter, query=ins.InsightQuery,
                 role=Role.Manager,
                 local=insight_view(ins.Module, INSIGHT_RPC, ins.INSIGHT_CSV),
                 response=ins.Insight, path_params={"module": "module"},
                 raw_path_params=frozenset({"module"}), operation=operation,
                 also_media_type="text/csv", description=INSIGHTS_TEXT + DAYS)


DASHBOARD_ROUTES: list[Route] = [
    Route("GET", "/api/v1/dashboard/summary", m.SUMMARY, "Headline figures", TAG,
          role=Role.Manager,
          plan=Tier.Starter, query=m.SummaryQuery, description=(
              "`totalConversions` counts sales (OneTime and Recurring rows; overrides are "
              "commission, not sales); `totalLeads` counts LeadReward rows; "
              "`totalEarningsCents` adds every commission (sales, overrides, lead and click "
              "rewards, bonuses). `conversionRate` = conversions / non-bot clicks x 100, "
              "rounded to 4 decimals. `activeAffiliates`: affiliates with a click, lead or "
              "conversion in the window. `pendingPayoutsCents`: Approved commission awaiting "
              "payout now (not windowed), at today's rate." + DAYS)),
    Route("GET", "/api/v1/dashboard/timeseries", m.TIMESERIES, "A metric per day", TAG,
          role=Role.Manager,
          plan=Tier.Starter, query=m.TimeseriesQuery, description=(
              "Every day of `[since, until)` is present, zero-filled. For `payouts`, `count` "
              "is the day's paid payouts' amountCents in the home currency." + DAYS)),
    Route("GET", "/api/v1/dashboard/leaderboard", m.LEADERBOARD, "Top affiliates", TAG,
          role=Role.Manager,
          plan=Tier.Starter, query=m.LeaderboardQuery, description=(
              "`value`: clicks, sales, earnings (home-currency commission cents) or epc "
              "(earnings per click in cents, rounded; only affiliates with a click). Ties "
              "rank by affiliate id." + DAYS)),
    Route("GET", "/api/v1/dashboard/traffic-sources", m.TRAFFIC_SOURCES,
          "Clicks by referrer host", TAG, plan=Tier.Starter, query=m.TrafficQuery,
          role=Role.Manager,
          description="The top 20 sources by non-bot clicks; `percentage` of all clicks in "
                      "the window, one decimal. Empty or unparseable referrers are "
                      "`(direct)`." + DAYS),
    Route("GET", "/api/v1/dashboard/export.csv", m.EXPORT_SERIES, "Export a series as CSV",
          TAG, plan=Tier.Starter, query=m.ExportQuery, local=export_series,
          role=Role.Manager,
          media_type="text/csv", operation="dashboard.export",
          description="`date,<metric>`, one line per day of `[since, until)`, as the "
                      "timeseries." + DAYS),
    _insight_route("/api/v1/dashboard/insights/{module}", "insights.get", "An insight module"),
    _insight_route("/api/metrics/insights/{module}", "insights.get_alias",
                   "An insight module (alias)"),
]
