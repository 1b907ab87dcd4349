"""Insight modules answered from the rollups: the same window, program and affiliate filters
as the dashboard, money in the home currency at each day's rate. Rates and shares are
rounded as the contract's field descriptions say; a rate with nothing to divide by is 0."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import asyncpg
from pydantic import BaseModel

from libs.contracts import insights as ins
from libs.shared.db import Conn
from services.ledger.metrics.adapters.reads import Reads, Scope
from services.ledger.metrics.service_layer import insight_dims as dims
from services.ledger.metrics.service_layer.queries import Money, days_of, ratio, window

KINDS = ("Coupon", "Link", "Other")


def _scope(cmd: ins.GetInsight, first: date, last: date) -> Scope:
    return Scope(cmd.org_id, first, last, cmd.program_id, cmd.affiliate_id)


async def day_rows(conn: Conn, scopes: Sequence[Scope], home: str | None = None
                   ) -> tuple[list[Any], Money]:
    """The scopes' (day, currency) rows of every rollup column, and the money that converts
    them into ``home`` (by default the first scope's org's home currency)."""
    reads = Reads(conn)
    rows = [r for scope in scopes for r in await reads.by_day(scope)]
    amounts = [(r["day"], r["currency"]) for r in rows]
    money = await (Money.into(conn, home, amounts) if home is not None
                   else Money.load(conn, scopes[0].org_id, amounts))
    return rows, money


def totals_of(rows: list[Any], money: Money) -> dict[str, int]:
    """Every rollup column summed over ``rows``, money converted."""
    totals: dict[str, int] = {}
    for r in rows:
        for name, value in r.items():
            if name in ("day", "currency"):
                continue
            if name.endswith("_cents"):
                value = money.home_cents(r["day"], r["currency"], value)
            totals[name] = totals.get(name, 0) + value
    return totals


def overview_fields(t: dict[str, int]) -> dict[str, Any]:
    """The overview's counts and rates that hold no revenue (the affiliate's overview has
    them too)."""
    clicks, sales, leads = t.get("clicks", 0), t.get("conversions", 0), t.get("leads", 0)
    refunded, recurring = t.get("refunded", 0), t.get("recurring", 0)
    commission = t.get("commission_cents", 0)
    return {"clicks": clicks, "conversions": sales,
            "conversion_rate": ratio(sales * 100, clicks),
            "epc_cents": round(commission / clicks) if clicks else 0,
            "commission_cents": commission, "refunded_conversions": refunded,
            "refund_rate": ratio(refunded, sales + refunded),
            "recurring_conversions": recurring,
            "recurring_share_pct": ratio(recurring * 100, sales, 2), "leads": leads,
            "click_to_lead_rate": ratio(leads, clicks), "lead_to_sale_rate": ratio(sales, leads)}


async def _days(pool: asyncpg.Pool, cmd: ins.GetInsight) -> tuple[dict[str, int], str]:
    """Every rollup column over the window, money converted; and the home currency."""
    first, last = days_of(*window(cmd.since, cmd.until))
    async with pool.acquire() as conn:
        rows, money = await day_rows(conn, [_scope(cmd, first, last)])
    return totals_of(rows, money), money.home


async def overview(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.Overview:
    t, home = await _days(pool, cmd)
    sales, revenue = t.get("conversions", 0), t.get("revenue_cents", 0)
    return ins.Overview(**overview_fields(t), aov_cents=round(revenue / sales) if sales else 0,
                        gross_revenue_cents=revenue, home_currency=home)


async def funnel(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.Funnel:
    """clicks -> (leads, only when there are any) -> conversions -> approved -> paid."""
    t, _ = await _days(pool, cmd)
    steps = [("clicks", t.get("clicks", 0))]
    if t.get("leads", 0):
        steps.append(("leads", t["leads"]))
    steps += [(name, t.get(name, 0)) for name in ("conversions", "approved", "paid")]
    return ins.Funnel(steps=[ins.FunnelStep(step=s, count=c) for s, c in steps])


async def attribution(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.Attribution:
    first, last = days_of(*window(cmd.since, cmd.until))
    async with pool.acquire() as conn:
        rows = await Reads(conn).by_kind(_scope(cmd, first, last))
        money = await Money.load(conn, cmd.org_id, [(r["day"], r["currency"]) for r in rows])
    sums = {kind: [0, 0, 0] for kind in KINDS}
    for r in rows:
        s = sums[r["kind"]]
        s[0] += r["conversions"]
        s[1] += money.home_cents(r["day"], r["currency"], r["revenue_cents"])
        s[2] += money.home_cents(r["day"], r["currency"], r["commission_cents"])
    return ins.Attribution(home_currency=money.home, rows=[
        ins.AttributionRow(attribution=k, conversions=v[0], revenue_cents=v[1],
                         commission_cents=v[2]) for k, v in sums.items()])


async def recurring(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.Recurring:
    first, last = days_of(*window(cmd.since, cmd.until))
    async with pool.acquire() as conn:
        reads, scope = Reads(conn), _scope(cmd, first, last)
        rows = await reads.by_day(scope)
        money = await Money.load(conn, cmd.org_id, [(r["day"], r["currency"]) for r in rows])
        churned = await reads.churned(scope)
    sales = revenue = renewals = renewal_revenue = 0
    months = {f"{d.year:04d}-{d.month:02d}": 0 for d in _days_between(first, last)}
    for r in rows:
        day, cur = r["day"], r["currency"]
        sales += r["conversions"]
        renewals += r["recurring"]
        revenue += money.home_cents(day, cur, r["revenue_cents"])
        renewal_revenue += money.home_cents(day, cur, r["recurring_revenue_cents"])
        months[f"{day.year:04d}-{day.month:02d}"] += money.home_cents(
            day, cur, r["subscription_revenue_cents"])
    return ins.Recurring(
        mix=[ins.MixRow(kind="OneTime", conversions=sales - renewals,
                      revenue_cents=revenue - renewal_revenue),
             ins.MixRow(kind="Recurring", conversions=renewals, revenue_cents=renewal_revenue)],
        mrr_by_month=[ins.MrrMonth(month=k, mrr_cents=v) for k, v in months.items()],
        churned_subscriptions=churned, home_currency=money.home)


async def customers(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.Customers:
    t, home = await _days(pool, cmd)
    sales, revenue = t.get("conversions", 0), t.get("revenue_cents", 0)
    repeat, repeat_revenue = t.get("repeat_sales", 0), t.get("repeat_revenue_cents", 0)
    return ins.Customers(home_currency=home, rows=[
        ins.CustomerRow(segment="New", conversions=sales - repeat,
                      revenue_cents=revenue - repeat_revenue),
        ins.CustomerRow(segment="Returning", conversions=repeat, revenue_cents=repeat_revenue)])


def _days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


async def as_rows(pool: asyncpg.Pool, cmd: ins.GetInsight) -> ins.InsightRows:
    return rows_of(await MODULES[cmd.module](pool, cmd))


def rows_of(answer: BaseModel, leave_out: frozenset[str] = frozenset()) -> ins.InsightRows:
    """An answer as CSV rows: a list's items one per row, else one row of fields (without the
    fields in ``leave_out``)."""
    data = answer.model_dump(mode="json", by_alias=True, exclude=set(leave_out))
    items = next((v for v in data.values() if isinstance(v, list)), None)
    if items is None:
        return ins.InsightRows(header=list(data), rows=[list(data.values())])
    header = list(items[0]) if items else []
    return ins.InsightRows(header=header, rows=[list(i.values()) for i in items])


MODULES = {ins.Module.overview: overview, ins.Module.sale_origin: dims.sale_origin,
           ins.Module.geography: dims.geography, ins.Module.devices: dims.devices,
           ins.Module.utm: dims.utm, ins.Module.time_patterns: dims.time_patterns,
           ins.Module.time_to_convert: dims.time_to_convert, ins.Module.funnel: funnel,
           ins.Module.attribution: attribution, ins.Module.recurring: recurring,
           ins.Module.customers: customers}
