"""The ledger's FX methods: loading rates (operator) and normalizing amounts (dashboards)."""

from __future__ import annotations

from functools import partial

from libs.contracts.fx import LoadFxRates, NormalizeAmounts
from libs.shared.rpc import RpcHandler
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from services.ledger.fx.adapters.source import FxSource
from services.ledger.fx.service_layer import handlers as fx


def fx_handlers(ctx: ServiceContext, source: FxSource) -> dict[str, RpcHandler]:
    pool = ctx.pool
    return {
        "fx.load": typed(pool, LoadFxRates, partial(fx.load_fx, source=source)),
        "fx.normalize": typed(pool, NormalizeAmounts, fx.normalize_amounts),
    }
