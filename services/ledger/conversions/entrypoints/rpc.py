"""The ledger's conversion methods: declared symbol -> typed use case."""

from __future__ import annotations

from libs.contracts import conversion_imports as bulk
from libs.contracts import conversions as c
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.conversions.service_layer import export as conversion_export
from services.ledger.conversions.service_layer import imports as conversion_import
from services.ledger.conversions.service_layer import queries as conversions


def add_conversion_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    pool = ctx.pool
    table.add(c.LIST_CONVERSIONS, pool, conversions.list_conversions)
    table.add(c.GET_CONVERSION, pool, conversions.get_conversion)
    table.add(bulk.EXPORT_CONVERSIONS_PAGE, pool, conversion_export.export_page)
    table.add(bulk.PREVIEW_CONVERSION_IMPORT, pool, conversion_import.preview_import)
    table.add(bulk.IMPORT_CONVERSIONS, pool, conversion_import.import_conversions)
