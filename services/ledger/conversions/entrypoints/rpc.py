"""The ledger's conversion methods: name -> typed use case."""

from __future__ import annotations

from libs.contracts import conversion_imports as bulk
from libs.contracts import conversions as c
from libs.shared.rpc import RpcHandler
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from services.ledger.conversions.service_layer import export as conversion_export
from services.ledger.conversions.service_layer import imports as conversion_import
from services.ledger.conversions.service_layer import queries as conversions


def conversion_handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    pool = ctx.pool
    return {
        "conversions.list": typed(pool, c.ListConversions, conversions.list_conversions),
        "conversions.get": typed(pool, c.GetConversion, conversions.get_conversion),
        "conversions.export_page": typed(pool, bulk.ExportConversionsPage,
                                         conversion_export.export_page),
        "conversions.import_preview": typed(pool, bulk.PreviewConversionImport,
                                            conversion_import.preview_import),
        "conversions.import": typed(pool, bulk.ImportConversions,
                                    conversion_import.import_conversions),
    }
