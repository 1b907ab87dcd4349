"""The ledger's affiliate and link methods: declared symbol -> typed use case."""

from __future__ import annotations

from functools import partial

from libs.contracts import affiliates as c
from libs.contracts import me
from libs.contracts.affiliate_sessions import RESOLVE_AFFILIATE_IDENTITY
from libs.contracts.s2s import RESOLVE_LINK
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.affiliates.service_layer import bulk as affiliate_bulk
from services.ledger.affiliates.service_layer import handlers as affiliates
from services.ledger.affiliates.service_layer import identity, links, memberships


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
    table.add(me.LIST_MEMBERSHIPS, pool, partial(memberships.list_memberships,
                                                  base_url=ctx.settings.public_base_url))
    table.add(RESOLVE_AFFILIATE_IDENTITY, pool, identity.resolve_identity)
