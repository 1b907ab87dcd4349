"""The ledger's sub-affiliate methods: declared symbol -> typed use case."""

from __future__ import annotations

from libs.contracts import subaffiliates as sub
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.sub_affiliates.service_layer import handlers as sub_affiliates


def add_sub_affiliate_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    table.add(sub.GET_SUB_AFFILIATE_CONFIG, ctx.pool, sub_affiliates.get_config)
    table.add(sub.PUT_SUB_AFFILIATE_CONFIG, ctx.pool, sub_affiliates.put_config)
    table.add(sub.LIST_SUB_AFFILIATES, ctx.pool, sub_affiliates.list_sub_affiliates)
