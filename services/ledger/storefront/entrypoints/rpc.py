"""The ledger's public storefront methods: declared symbol -> typed use case."""

from __future__ import annotations

from libs.contracts import storefront as sf
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.storefront.service_layer import handlers as storefront


def add_storefront_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    table.add(sf.PROGRAM_BY_HANDLE, ctx.pool, storefront.program_by_handle)
    table.add(sf.PROGRAM_BY_DOMAIN, ctx.pool, storefront.program_by_domain)
    table.add(sf.APPLY, ctx.pool, storefront.apply)
