"""The ledger's storefront methods: name -> typed use case."""

from __future__ import annotations

from libs.contracts import storefront as sf
from libs.shared.rpc import RpcHandler
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from services.ledger.storefront.service_layer import handlers as storefront


def storefront_handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    pool = ctx.pool
    return {
        "storefront.by_handle": typed(pool, sf.ProgramByHandle, storefront.program_by_handle),
        "storefront.by_domain": typed(pool, sf.ProgramByDomain, storefront.program_by_domain),
        "storefront.apply": typed(pool, sf.Apply, storefront.apply),
    }
