"""The ledger's program methods: name -> typed use case."""

from __future__ import annotations

from libs.contracts import programs as contract
from libs.shared.rpc import RpcHandler
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from services.ledger.programs.service_layer import handlers as programs


def program_handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    pool = ctx.pool
    return {
        "programs.list": typed(pool, contract.ListPrograms, programs.list_programs),
        "programs.get": typed(pool, contract.GetProgram, programs.get_program),
        "programs.create": typed(pool, contract.CreateProgram, programs.create_program),
        "programs.update": typed(pool, contract.UpdateProgram, programs.update_program),
        "programs.archive": typed(pool, contract.ArchiveProgram, programs.archive_program),
    }
