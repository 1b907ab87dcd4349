"""The ledger's bulk-migration methods: the roster import and its operator-side revert."""

from __future__ import annotations

from libs.contracts import imports as contract
from libs.shared.rpc import RpcHandler
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from services.ledger.imports.service_layer import revert as import_revert
from services.ledger.imports.service_layer import roster as imports


def imports_handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    pool = ctx.pool
    return {
        "affiliates.import": typed(pool, contract.ImportAffiliates, imports.import_affiliates),
        "imports.revert": typed(pool, contract.RevertImport, import_revert.revert_import),
    }
