"""The ledger's affiliate and link methods: name -> typed use case."""

from __future__ import annotations

from libs.contracts import affiliates as affiliate_contract
from libs.contracts.s2s import LinkBySlug
from libs.shared.rpc import RpcHandler
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from services.ledger.affiliates.service_layer import bulk as affiliate_bulk
from services.ledger.affiliates.service_layer import handlers as affiliates
from services.ledger.affiliates.service_layer import links


def affiliate_handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    pool, c = ctx.pool, affiliate_contract
    return {
        "affiliates.list": typed(pool, c.ListAffiliates, affiliates.list_affiliates),
        "affiliates.applications": typed(pool, c.ListAffiliates, affiliates.list_applications),
        "affiliates.get": typed(pool, c.GetAffiliate, affiliates.get_affiliate),
        "affiliates.create": typed(pool, c.CreateAffiliate, affiliates.create_affiliate),
        "affiliates.update": typed(pool, c.UpdateAffiliate, affiliates.update_affiliate),
        "affiliates.approve": typed(pool, c.ApproveAffiliate, affiliates.approve_affiliate),
        "affiliates.reject": typed(pool, c.RejectAffiliate, affiliates.reject_affiliate),
        "affiliates.bulk_action": typed(pool, c.BulkAffiliateAction, affiliate_bulk.bulk_action),
        "links.resolve": typed(pool, LinkBySlug, links.resolve_link),
    }
