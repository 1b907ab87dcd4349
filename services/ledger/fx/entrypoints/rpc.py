"""The ledger's FX methods: loading rates (operator) and normalizing amounts (dashboards)."""

from __future__ import annotations

from functools import partial

from libs.contracts.fx import LoadFxRates, NormalizeAmounts
from libs.shared.rpc import RpcHandler
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from services.ledger.fx.service_layer import handlers as fx


def fx_handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    pool, timeout = ctx.pool, ctx.settings.fx_fetch_timeout_seconds
    return {
        "fx.load": typed(pool, LoadFxRates, partial(fx.load_fx, timeout_seconds=timeout)),
        "fx.normalize": typed(pool, NormalizeAmounts, fx.normalize_amounts),
    }
