"""The ledger's coupon code methods: declared symbol -> typed use case."""

from __future__ import annotations

from libs.contracts import coupon_codes as c
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.coupon_codes.service_layer import handlers as coupon_codes


def add_coupon_code_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    pool = ctx.pool
    table.add(c.ASSIGN_COUPON_CODE, pool, coupon_codes.assign_coupon_code)
    table.add(c.LIST_COUPON_CODES, pool, coupon_codes.list_coupon_codes)
    table.add(c.REMOVE_COUPON_CODE, pool, coupon_codes.remove_coupon_code)
    table.add(c.RESOLVE_COUPON, pool, coupon_codes.resolve_coupon)
