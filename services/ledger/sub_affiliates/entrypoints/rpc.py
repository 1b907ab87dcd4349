"""The ledger's sub-affiliate methods, brand and affiliate side: declared symbol -> use case."""

from __future__ import annotations

from libs.contracts import me
from libs.contracts import subaffiliates as sub
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.sub_affiliates.service_layer import handlers as sub_affiliates
from services.ledger.sub_affiliates.service_layer import recruiting


def add_sub_affiliate_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    table.add(sub.GET_SUB_AFFILIATE_CONFIG, ctx.pool, sub_affiliates.get_config)
    table.add(sub.PUT_SUB_AFFILIATE_CONFIG, ctx.pool, sub_affiliates.put_config)
    table.add(sub.LIST_SUB_AFFILIATES, ctx.pool, sub_affiliates.list_sub_affiliates)
    table.add(me.RECRUIT_LINK, ctx.pool, recruiting.get_recruit_link)
    table.add(me.LIST_RECRUITS, ctx.pool, recruiting.list_recruits)
