"""The ledger's bulk-migration methods: the roster import and its operator-side revert."""

from __future__ import annotations

from libs.contracts import imports as contract
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.imports.service_layer import revert as import_revert
from services.ledger.imports.service_layer import roster as imports


def add_imports_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    table.add(contract.IMPORT_AFFILIATES, ctx.pool, imports.import_affiliates)
    table.add(contract.REVERT_IMPORT, ctx.pool, import_revert.revert_import)
