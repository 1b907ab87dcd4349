"""Request/reply methods the payouts service answers: declared symbol -> use case."""

from __future__ import annotations

from libs.shared.rpc_handlers import HandlerTable, service_table
from libs.shared.runtime import ServiceContext


def handlers(ctx: ServiceContext) -> HandlerTable:
    return service_table(ctx)
