"""The ledger's sub-affiliate methods: name -> typed use case."""

from __future__ import annotations

from libs.contracts import subaffiliates as sub
from libs.shared.rpc import RpcHandler
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from services.ledger.sub_affiliates.service_layer import handlers as sub_affiliates


def sub_affiliate_handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    pool = ctx.pool
    return {
        "programs.sub_affiliate_config": typed(pool, sub.GetSubAffiliateConfig,
                                               sub_affiliates.get_config),
        "programs.put_sub_affiliate_config": typed(pool, sub.PutSubAffiliateConfig,
                                                   sub_affiliates.put_config),
        "affiliates.sub_affiliates": typed(pool, sub.ListSubAffiliates,
                                           sub_affiliates.list_sub_affiliates),
    }
