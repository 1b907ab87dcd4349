"""The ledger's FX methods: loading rates (operator) and normalizing amounts (dashboards)."""

from __future__ import annotations

from functools import partial

from libs.contracts.fx import LOAD_FX_RATES, NORMALIZE_AMOUNTS
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.service_layer import fx


def add_fx_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    pool, timeout = ctx.pool, ctx.settings.fx_fetch_timeout_seconds
    table.add(LOAD_FX_RATES, pool, partial(fx.load_fx, timeout_seconds=timeout))
    table.add(NORMALIZE_AMOUNTS, pool, fx.normalize_amounts)
