"""The ledger's program methods: declared symbol -> typed use case."""

from __future__ import annotations

from libs.contracts import programs as c
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.programs.service_layer import handlers as programs


def add_program_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    pool = ctx.pool
    table.add(c.LIST_PROGRAMS, pool, programs.list_programs)
    table.add(c.GET_PROGRAM, pool, programs.get_program)
    table.add(c.CREATE_PROGRAM, pool, programs.create_program)
    table.add(c.UPDATE_PROGRAM, pool, programs.update_program)
    table.add(c.ARCHIVE_PROGRAM, pool, programs.archive_program)
