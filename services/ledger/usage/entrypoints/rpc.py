"""The ledger's usage method: declared symbol -> typed use case."""

from __future__ import annotations

from libs.contracts.billing import ORG_USAGE
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.usage.service_layer.handlers import org_usage


def add_usage_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    table.add(ORG_USAGE, ctx.pool, org_usage)
