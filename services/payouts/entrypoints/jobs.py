"""The payouts service's background work: the transfer worker, and the recovery of runs whose
process died between the ledger's claim and the payouts' write."""

from __future__ import annotations

from libs.shared.clock import now_utc
from libs.shared.periodic import run_periodically
from libs.shared.runtime import ServiceContext
from services.payouts.service_layer.attempts import send_due
from services.payouts.service_layer.deps import PayoutsDeps
from services.payouts.service_layer.runs import recover_runs


def start_payout_jobs(ctx: ServiceContext, deps: PayoutsDeps) -> None:
    batch = ctx.settings.payouts_send_batch

    async def send_round() -> bool:
        return await send_due(deps, now=now_utc(), limit=batch) >= batch

    async def recover_round() -> bool:
        await recover_runs(deps, now=now_utc())
        return False

    ctx.spawn(run_periodically("payout_transfers", send_round,
                               ctx.settings.payouts_send_interval_seconds))
    ctx.spawn(run_periodically("payout_run_recovery", recover_round,
                               ctx.settings.payouts_recovery_interval_seconds))
