"""The ledger's payables methods (called by the payouts service, an operator and the affiliate
side): declared symbol -> use case."""

from __future__ import annotations

from libs.contracts import me_payouts as me
from libs.contracts import payables as p
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.runtime import ServiceContext
from services.ledger.payables.service_layer import payables, payout_details


def add_payables_handlers(table: HandlerTable, ctx: ServiceContext) -> None:
    pool = ctx.pool
    table.add(p.PREVIEW_PAYABLES, pool, payables.preview_payables)
    table.add(p.CLAIM_PAYABLES, pool, payables.claim_payables)
    table.add(p.CLAIM_OF_RUN, pool, payables.claim_of_run)
    table.add(p.RELEASE_RUN, pool, payables.release_run)
    table.add(p.PAYOUT_DESTINATION, pool, payables.payout_destination)
    table.add(p.SET_PAYOUT_DETAILS, pool, payout_details.set_payout_details)
    table.add(me.MY_PAYOUT_DETAILS, pool, payout_details.my_payout_details)
    table.add(me.PUT_MY_PAYOUT_DETAILS, pool, payout_details.put_my_payout_details)
