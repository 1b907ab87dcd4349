"""The ledger's embed method: declared symbol -> typed use case."""

from __future__ import annotations

from libs.contracts.embed import EMBED_FIGURES
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.embed.service_layer.figures import embed_figures


def add_embed_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    table.add(EMBED_FIGURES, ctx.pool, embed_figures)
