"""After a run: sending each provider payout's transfer (the transfer worker's round), and the
operator's retry or cancel of a Failed one.

The worker leases due Processing payouts, asks the ledger where the affiliate is paid now, and
sends the payout's current attempt. The provider's idempotency key is (payout, attempt), so a
send repeated after a crash or an unknown outcome can only find the transfer already made."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta

from libs.contracts import payables
from libs.contracts import payouts as contract
from libs.contracts.common import Actor, as_json
from libs.shared.clock import now_utc
from libs.shared.uow import Transaction, unit_of_work
from services.payouts.adapters.repository import PayoutsRepository
from services.payouts.domain import model
from services.payouts.domain.errors import (
    PayoutMethodNotConfigured,
    PayoutNotCancellable,
    PayoutNotFound,
    PayoutNotRetryable,
)
from services.payouts.domain.model import Payout, to_response
from services.payouts.domain.transfers import (
    TransferFailed,
    TransferRequest,
    TransferUnknown,
)
from services.payouts.service_layer.deps import PayoutsDeps

log = logging.getLogger(__name__)

# After an unknown outcome, the same attempt is sent again after 2^sends seconds, up to this.
MAX_RESEND_DELAY = timedelta(minutes=10)


async def _change(deps: PayoutsDeps, org_id: uuid.UUID, payout_id: uuid.UUID,
                  move: model.Transition, event: str | None, audit: tuple[str, Actor]
                  ) -> contract.PayoutResponse:
    async with unit_of_work(deps.pool) as tx:
        repo = PayoutsRepository(tx.conn)
        before = await repo.get(org_id, payout_id, lock=True)
        if before is None:
            raise PayoutNotFound("payout not found")
        after = move(before, now_utc())
        await repo.save(after)
        lines = (await repo.lines_of([payout_id]))[payout_id]
        shape = to_response(after, lines)
        if event is not None:
            await tx.emit(event, org_id=org_id, data=as_json(shape), created_at=now_utc())
        action, actor = audit
        await tx.audit(org_id=org_id, actor=actor, action=action, entity_type="payout",
                       entity_id=str(payout_id), before=to_response(before, lines),
                       after=shape, created_at=now_utc())
    return shape


async def retry_payout(deps: PayoutsDeps, cmd: contract.RetryPayout) -> contract.PayoutResponse:
    """Failed -> Processing with a new attempt; the worker sends it at once."""
    try:
        return await _change(deps, cmd.org_id, cmd.payout_id, model.retried, None,
                             ("payout.retried", cmd.actor))
    except model.NotRetryable as exc:
        raise PayoutNotRetryable(str(exc)) from None


async def cancel_payout(deps: PayoutsDeps, cmd: contract.CancelPayout
                        ) -> contract.PayoutResponse:
    """Failed -> Cancelled; ``payout.cancelled`` makes the ledger give its commissions back."""
    try:
        return await _change(deps, cmd.org_id, cmd.payout_id, model.cancelled,
                             contract.PAYOUT_CANCELLED, ("payout.cancelled", cmd.actor))
    except model.NotRetryable as exc:
        raise PayoutNotCancellable(str(exc)) from None


async def send_due(deps: PayoutsDeps, *, now: datetime, limit: int = 32) -> int:
    """One round of the transfer worker: send the due payouts (concurrently); how many."""
    async with deps.pool.acquire() as conn:
        due = await PayoutsRepository(conn).lease_due(
            now, now + timedelta(seconds=deps.send_lease_seconds), limit)
    await asyncio.gather(*(_send(deps, p) for p in due))
    return len(due)


async def _send(deps: PayoutsDeps, p: Payout) -> None:
    try:
        reply = await payables.PAYOUT_DESTINATION.call(deps.bus, {
            "orgId": str(p.org_id), "payoutId": str(p.id), "method": p.method})
        destination = payables.PayoutDestination.model_validate(reply).destination
        if not destination:
            return await _settle(deps, p, failure="no_destination")
        method = deps.method(p.method)
        result = await method.transfer(TransferRequest(
            payout_id=p.id, attempt=p.attempt, amount_cents=p.amount_cents,
            currency=p.currency, destination=destination, description=f"Rekomi payout {p.id}"))
    except TransferFailed as exc:
        return await _settle(deps, p, failure=exc.reason)
    except PayoutMethodNotConfigured:
        return await _settle(deps, p, failure="payout_method_not_configured")
    except (TransferUnknown, Exception) as exc:
        sends = await _sends(deps, p.id)
        delay = min(timedelta(seconds=2 ** min(sends, 20)), MAX_RESEND_DELAY)
        log.warning("payout transfer outcome unknown; sending again later",
                    extra={"payout": str(p.id), "attempt": p.attempt, "error": repr(exc),
                           "in_seconds": delay.total_seconds()})
        async with deps.pool.acquire() as conn:
            await PayoutsRepository(conn).postpone(p.id, p.attempt, now_utc() + delay)
        return None
    return await _settle(deps, p, external_id=result.external_id)


async def _sends(deps: PayoutsDeps, payout_id: uuid.UUID) -> int:
    async with deps.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT sends FROM payouts WHERE id = $1", payout_id))


async def _settle(deps: PayoutsDeps, p: Payout, *, external_id: str | None = None,
                  failure: str | None = None) -> None:
    """Record the outcome of ``p``'s attempt, with ``payout.paid`` or ``payout.failed``,
    unless the payout moved on meanwhile (another worker settled this attempt)."""
    async with unit_of_work(deps.pool) as tx:
        repo = PayoutsRepository(tx.conn)
        now = await repo.get(p.org_id, p.id, lock=True)
        if now is None or now.status != contract.PayoutStatus.Processing or (
                now.attempt != p.attempt):
            return
        at = now_utc()
        after = (model.paid(now, external_id, at) if external_id is not None
                 else model.failed(now, failure or "unknown", at))
        await repo.save(after)
        await _announce(tx, after, await repo.lines_of([p.id]))


async def _announce(tx: Transaction, p: Payout, lines: dict[uuid.UUID, list[model.LineItem]]
                    ) -> None:
    event = "payout.paid" if p.status == contract.PayoutStatus.Paid else "payout.failed"
    await tx.emit(event, org_id=p.org_id, data=as_json(to_response(p, lines[p.id])),
                  created_at=now_utc())
