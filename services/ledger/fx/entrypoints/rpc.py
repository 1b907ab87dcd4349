"""The ledger's FX methods: loading rates (operator) and normalizing amounts (dashboards)."""

from __future__ import annotations

from functools import partial

from libs.contracts.fx import LOAD_FX_RATES, NORMALIZE_AMOUNTS
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.fx.adapters.source import FxSource
from services.ledger.fx.service_layer import handlers as fx


def add_fx_handlers(table: HandlerTable, ctx: ServiceContext, source: FxSource) -> None:
    table.add(LOAD_FX_RATES, ctx.pool, partial(fx.load_fx, source=source))
    table.add(NORMALIZE_AMOUNTS, ctx.pool, fx.normalize_amounts)
