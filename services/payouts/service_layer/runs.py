"""Preview and run: what a selection would pay, and paying it.

A run is written first (Claiming), then the ledger claims the commissions in one transaction
(or refuses: 409 ``payout_total_mismatch``, nothing claimed), then the payouts and their line
items are written with ``payout.created`` (and ``payout.paid`` for Manual) through the outbox.
A process that dies between the claim and that write leaves the run Claiming: ``recover_runs``
finishes it from the ledger's record of the claim, or releases the claim, so a crash neither
loses the commissions nor pays them twice."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg

from libs.contracts import payables
from libs.contracts import payouts as contract
from libs.contracts.common import Actor, ActorType, as_json
from libs.shared.bus_rpc import RemoteError
from libs.shared.clock import now_utc
from libs.shared.errors import ValidationFailed
from libs.shared.ids import new_id
from libs.shared.outbox_batch import stage_events
from libs.shared.uow import Transaction, unit_of_work
from services.payouts.adapters.repository import PayoutsRepository
from services.payouts.domain.model import LineItem, Payout, first_status, to_response
from services.payouts.service_layer.deps import PayoutsDeps

SYSTEM = Actor(type=ActorType.system)


async def preview_payouts(deps: PayoutsDeps, cmd: contract.PreviewPayouts
                          ) -> contract.PayoutPreview:
    deps.require(cmd.data.method)
    reply = await payables.PREVIEW_PAYABLES.call(deps.bus, {
        "orgId": str(cmd.org_id), **cmd.data.model_dump(mode="json", by_alias=True)})
    return contract.PayoutPreview.model_validate(reply)


async def run_payouts(deps: PayoutsDeps, cmd: contract.RunPayouts) -> contract.PayoutRunResult:
    data = cmd.data
    deps.require(data.method)
    if data.external_transaction_id is not None and data.method != contract.PayoutMethod.Manual:
        raise ValidationFailed("externalTransactionId is for Manual runs; a provider's "
                               "transfer id is recorded by Rekomi",
                               field="externalTransactionId")
    run_id, at = new_id(), now_utc()
    async with deps.pool.acquire() as conn:
        await PayoutsRepository(conn).add_run(
            run_id, cmd.org_id, data.method.value, data.period_start, data.period_end,
            data.notes, data.external_transaction_id, at)
    try:
        reply = await payables.CLAIM_PAYABLES.call(deps.bus, {
            "orgId": str(cmd.org_id), "runId": str(run_id),
            **data.model_dump(mode="json", by_alias=True,
                              exclude={"notes", "external_transaction_id"})},
            timeout=deps.claim_timeout)
    except RemoteError:  # refused (total mismatch, unknown affiliate): nothing was claimed
        async with deps.pool.acquire() as conn:
            await PayoutsRepository(conn).set_run_state(run_id, "Refused", only_from="Claiming")
        raise
    claim = payables.Claim.model_validate(reply)
    async with unit_of_work(deps.pool) as tx:
        written = await write_claim(tx, run_id, cmd.org_id, claim, actor=cmd.actor)
    return contract.PayoutRunResult(written)


async def write_claim(tx: Transaction, run_id: uuid.UUID, org_id: uuid.UUID,
                      claim: payables.Claim, *, actor: Actor) -> list[contract.PayoutResponse]:
    """The claimed payouts and their line items, their events, and the run's audit row; when
    the run was written already (the recovery job and the run raced), what it wrote."""
    repo = PayoutsRepository(tx.conn)
    run = await tx.conn.fetchrow("SELECT * FROM payout_runs WHERE id = $1 FOR UPDATE", run_id)
    if run is None or run["state"] != "Claiming":
        return await _written(repo, org_id, run_id)
    at = now_utc()
    payouts, lines = _payouts_of(run, claim, at)
    await repo.add_payouts(payouts, [li for pl in lines.values() for li in pl])
    await repo.set_run_state(run_id, "Claimed", only_from="Claiming")
    shapes = [to_response(p, lines[p.id]) for p in payouts]
    events: list[tuple[str, dict[str, object]]] = []
    for shape in shapes:
        body = as_json(shape)
        events.append(("payout.created", body))
        if shape.status == contract.PayoutStatus.Paid:
            events.append(("payout.paid", body))
    await stage_events(tx.conn, org_id, events, now=at)
    await tx.audit(org_id=org_id, actor=actor, action="payouts.run", entity_type="payout_run",
                   entity_id=str(run_id), before=None, after=_run_summary(run, shapes),
                   created_at=at)
    return shapes


def _payouts_of(run: asyncpg.Record, claim: payables.Claim, at: datetime
                ) -> tuple[list[Payout], dict[uuid.UUID, list[LineItem]]]:
    status = first_status(run["method"])
    payouts, lines = [], {}
    for c in claim.payouts:
        paid = status == contract.PayoutStatus.Paid
        payouts.append(Payout(
            id=c.payout_id, org_id=run["org_id"], run_id=run["id"], affiliate_id=c.affiliate_id,
            amount_cents=c.amount_cents, currency=c.currency, method=run["method"],
            status=status, attempt=1, stripe_transfer_id=None,
            external_transaction_id=run["external_transaction_id"], notes=run["notes"],
            failure_reason=None, period_start=run["period_start"],
            period_end=run["period_end"], created_at=at, paid_at=at if paid else None,
            failed_at=None, cancelled_at=None, next_attempt_at=None if paid else at))
        # In id order, as a read of the payout lists them.
        lines[c.payout_id] = sorted((LineItem(new_id(), c.payout_id, line.conversion_id,
                                              line.amount_cents) for line in c.lines),
                                    key=lambda li: li.id)
    return payouts, lines


def _run_summary(run: asyncpg.Record, shapes: list[contract.PayoutResponse]) -> dict[str, object]:
    totals: dict[str, int] = {}
    for s in shapes:
        totals[s.currency] = totals.get(s.currency, 0) + s.amount_cents
    return {"runId": str(run["id"]), "method": run["method"],
            "periodStart": run["period_start"].isoformat(),
            "periodEnd": run["period_end"].isoformat(), "notes": run["notes"],
            "payoutCount": len(shapes), "totals": totals}


async def _written(repo: PayoutsRepository, org_id: uuid.UUID, run_id: uuid.UUID
                   ) -> list[contract.PayoutResponse]:
    ids = [r[0] for r in await repo.conn.fetch(
        "SELECT id FROM payouts WHERE run_id = $1 ORDER BY affiliate_id::text, currency",
        run_id)]
    found = [p for p in [await repo.get(org_id, i) for i in ids] if p is not None]
    lines = await repo.lines_of([p.id for p in found])
    return [to_response(p, lines[p.id]) for p in found]


async def recover_runs(deps: PayoutsDeps, *, now: datetime) -> int:
    """Finish or release the runs whose process died between the claim and the write; returns
    how many it settled."""
    async with deps.pool.acquire() as conn:
        stale = await PayoutsRepository(conn).stale_runs(
            now - timedelta(seconds=deps.stale_run_seconds))
    for run in stale:
        ref = {"orgId": str(run["org_id"]), "runId": str(run["id"])}
        claim = payables.Claim.model_validate(await payables.CLAIM_OF_RUN.call(deps.bus, ref))
        if claim.payouts and not claim.released:
            async with unit_of_work(deps.pool) as tx:
                await write_claim(tx, run["id"], run["org_id"], claim, actor=SYSTEM)
            continue
        await payables.RELEASE_RUN.call(deps.bus, ref)
        async with deps.pool.acquire() as conn:
            await PayoutsRepository(conn).set_run_state(run["id"], "Released",
                                                        only_from="Claiming")
    return len(stale)
