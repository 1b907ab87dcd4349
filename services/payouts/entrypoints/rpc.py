"""Request/reply methods the payouts service answers: declared symbol -> use case."""

from __future__ import annotations

from libs.contracts import payouts as p
from libs.contracts.billing import PAID_SINCE
from libs.contracts.me_payouts import LIST_MY_PAYOUTS
from libs.contracts.metrics_rebuild import PAID_ON
from libs.shared.rpc_handlers import HandlerTable, service_table
from libs.shared.runtime import ServiceContext
from services.payouts.service_layer import affiliate_payouts, attempts, queries, runs
from services.payouts.service_layer.deps import PayoutsDeps


def handlers(ctx: ServiceContext, deps: PayoutsDeps) -> HandlerTable:
    table = service_table(ctx)
    table.add(p.LIST_PAYOUTS, deps, queries.list_payouts)
    table.add(p.GET_PAYOUT, deps, queries.get_payout)
    table.add(p.PREVIEW_PAYOUTS, deps, runs.preview_payouts)
    table.add(p.RUN_PAYOUTS, deps, runs.run_payouts)
    table.add(p.RETRY_PAYOUT, deps, attempts.retry_payout)
    table.add(p.CANCEL_PAYOUT, deps, attempts.cancel_payout)
    table.add(PAID_SINCE, deps, queries.paid_since)
    table.add(PAID_ON, deps, queries.paid_on)
    table.add(LIST_MY_PAYOUTS, deps, affiliate_payouts.list_my_payouts)
    return table
