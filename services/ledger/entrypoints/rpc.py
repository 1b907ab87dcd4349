"""The ledger's request/reply methods: name -> typed use case."""

from __future__ import annotations

from libs.contracts import affiliates as affiliate_contract
from libs.contracts import programs as contract
from libs.contracts.s2s import LinkBySlug
from libs.shared.rpc import RpcHandler, system_handlers
from libs.shared.rpc_handlers import typed
from libs.shared.runtime import ServiceContext
from services.ledger.entrypoints.rpc_conversions import conversion_handlers
from services.ledger.entrypoints.rpc_fx import fx_handlers
from services.ledger.entrypoints.rpc_imports import imports_handlers
from services.ledger.entrypoints.rpc_invites import invite_handlers
from services.ledger.entrypoints.rpc_storefront import storefront_handlers
from services.ledger.service_layer import affiliate_bulk, affiliates, links, programs


def program_handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    pool = ctx.pool
    return {
        "programs.list": typed(pool, contract.ListPrograms, programs.list_programs),
        "programs.get": typed(pool, contract.GetProgram, programs.get_program),
        "programs.create": typed(pool, contract.CreateProgram, programs.create_program),
        "programs.update": typed(pool, contract.UpdateProgram, programs.update_program),
        "programs.archive": typed(pool, contract.ArchiveProgram, programs.archive_program),
    }


def affiliate_handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    pool, c = ctx.pool, affiliate_contract
    return {
        "affiliates.list": typed(pool, c.ListAffiliates, affiliates.list_affiliates),
        "affiliates.applications": typed(pool, c.ListAffiliates, affiliates.list_applications),
        "affiliates.get": typed(pool, c.GetAffiliate, affiliates.get_affiliate),
        "affiliates.create": typed(pool, c.CreateAffiliate, affiliates.create_affiliate),
        "affiliates.update": typed(pool, c.UpdateAffiliate, affiliates.update_affiliate),
        "affiliates.approve": typed(pool, c.ApproveAffiliate, affiliates.approve_affiliate),
        "affiliates.reject": typed(pool, c.RejectAffiliate, affiliates.reject_affiliate),
        "affiliates.bulk_action": typed(pool, c.BulkAffiliateAction, affiliate_bulk.bulk_action),
        "links.resolve": typed(pool, LinkBySlug, links.resolve_link),
    }


def handlers(ctx: ServiceContext) -> dict[str, RpcHandler]:
    return {**system_handlers(ctx), **program_handlers(ctx), **affiliate_handlers(ctx),
            **storefront_handlers(ctx),
            **imports_handlers(ctx),
            **invite_handlers(ctx),
            **conversion_handlers(ctx),
            **fx_handlers(ctx)}
