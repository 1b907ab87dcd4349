"""The ledger's request/reply methods: declared symbol -> typed use case."""

from __future__ import annotations

from libs.contracts import affiliates as c
from libs.contracts import programs as contract
from libs.contracts.s2s import RESOLVE_LINK
from libs.shared.rpc_handlers import HandlerTable, service_table
from libs.shared.runtime import ServiceContext
from services.ledger.entrypoints.rpc_conversions import add_conversion_handlers
from services.ledger.entrypoints.rpc_fx import add_fx_handlers
from services.ledger.entrypoints.rpc_imports import add_imports_handlers
from services.ledger.entrypoints.rpc_invites import add_invite_handlers
from services.ledger.entrypoints.rpc_storefront import add_storefront_handlers
from services.ledger.service_layer import affiliate_bulk, affiliates, links, programs


def add_program_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    pool = ctx.pool
    table.add(contract.LIST_PROGRAMS, pool, programs.list_programs)
    table.add(contract.GET_PROGRAM, pool, programs.get_program)
    table.add(contract.CREATE_PROGRAM, pool, programs.create_program)
    table.add(contract.UPDATE_PROGRAM, pool, programs.update_program)
    table.add(contract.ARCHIVE_PROGRAM, pool, programs.archive_program)


def add_affiliate_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    pool = ctx.pool
    table.add(c.LIST_AFFILIATES, pool, affiliates.list_affiliates)
    table.add(c.LIST_APPLICATIONS, pool, affiliates.list_applications)
    table.add(c.GET_AFFILIATE, pool, affiliates.get_affiliate)
    table.add(c.CREATE_AFFILIATE, pool, affiliates.create_affiliate)
    table.add(c.UPDATE_AFFILIATE, pool, affiliates.update_affiliate)
    table.add(c.APPROVE_AFFILIATE, pool, affiliates.approve_affiliate)
    table.add(c.REJECT_AFFILIATE, pool, affiliates.reject_affiliate)
    table.add(c.BULK_AFFILIATE_ACTION, pool, affiliate_bulk.bulk_action)
    table.add(RESOLVE_LINK, pool, links.resolve_link)


def handlers(ctx: ServiceContext) -> HandlerTable:
    table = service_table(ctx)
    for add in (add_program_handlers, add_affiliate_handlers, add_storefront_handlers,
                add_imports_handlers, add_invite_handlers, add_conversion_handlers,
                add_fx_handlers):
        add(table, ctx)
    return table
