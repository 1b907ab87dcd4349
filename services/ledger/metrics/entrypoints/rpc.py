"""The ledger's dashboard methods: declared symbol -> use case."""

from __future__ import annotations

from libs.contracts import insights as ins
from libs.contracts import metrics as m
from libs.contracts import metrics_rebuild as rebuild_rpc
from libs.contracts import my_insights as my
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.metrics.service_layer import (
    insight_dims,
    insights,
    my_insights,
    queries,
    rebuild,
)


def add_metrics_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    pool = ctx.pool
    table.add(m.SUMMARY, pool, queries.summary)
    table.add(m.TIMESERIES, pool, queries.timeseries)
    table.add(m.EXPORT_SERIES, pool, queries.export_series)
    table.add(m.LEADERBOARD, pool, queries.leaderboard)
    table.add(m.TRAFFIC_SOURCES, pool, queries.traffic_sources)
    table.add(ins.OVERVIEW, pool, insights.overview)
    table.add(ins.FUNNEL, pool, insights.funnel)
    table.add(ins.ATTRIBUTION, pool, insights.attribution)
    table.add(ins.RECURRING, pool, insights.recurring)
    table.add(ins.CUSTOMERS, pool, insights.customers)
    table.add(ins.SALE_ORIGIN, pool, insight_dims.sale_origin)
    table.add(ins.GEOGRAPHY, pool, insight_dims.geography)
    table.add(ins.DEVICES, pool, insight_dims.devices)
    table.add(ins.UTM, pool, insight_dims.utm)
    table.add(ins.TIME_PATTERNS, pool, insight_dims.time_patterns)
    table.add(ins.TIME_TO_CONVERT, pool, insight_dims.time_to_convert)
    table.add(ins.INSIGHT_CSV, pool, insights.as_rows)
    table.add(my.OVERVIEW, pool, my_insights.overview)
    table.add(my.SALE_ORIGIN, pool, my_insights.sale_origin)
    table.add(my.GEOGRAPHY, pool, my_insights.geography)
    table.add(my.DEVICES, pool, my_insights.devices)
    table.add(my.LINKS, pool, my_insights.links)
    table.add(my.TIME_PATTERNS, pool, my_insights.time_patterns)
    table.add(my.UTM, pool, my_insights.utm)
    table.add(my.CHANNELS, pool, my_insights.channels)
    table.add(my.MY_INSIGHT_CSV, pool, my_insights.as_rows)
    table.add(rebuild_rpc.PLAN_REBUILD, pool, rebuild.plan)
    table.add(rebuild_rpc.REBUILD_DAY, pool, rebuild.rebuild_day)
