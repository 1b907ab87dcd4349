"""The ledger's side of a payout: preview what a selection would pay, claim it for a run (once,
in one transaction, before any money moves), and follow each payout to its end: paid (its rows
turn Paid) or cancelled (its rows are given back)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from libs.contracts.common import as_json
from libs.contracts.payables import (
    Claim,
    ClaimedPayout,
    ClaimPayables,
    DestinationQuery,
    PayableSelection,
    PayoutDestination,
    RunRef,
)
from libs.contracts.payouts import (
    PayoutCandidate,
    PayoutCurrencyTotal,
    PayoutPreview,
)
from libs.shared.clock import now_utc
from libs.shared.ids import new_id
from libs.shared.outbox_batch import stage_events
from libs.shared.uow import Transaction, unit_of_work
from services.ledger.conversions.adapters.adjustments_repository import AdjustmentsRepository
from services.ledger.conversions.domain.model import to_response
from services.ledger.conversions.domain.refunds import REFUND_REASON, Adjustment
from services.ledger.domain.errors import AffiliateNotFound, PayoutRunReleased, PayoutTotalMismatch
from services.ledger.payables.adapters.repository import PayablesRepository
from services.ledger.payables.domain.eligibility import (
    Candidate,
    candidates,
    total_cents,
)


async def _candidates(repo: PayablesRepository, cmd: PayableSelection) -> list[Candidate]:
    if cmd.affiliate_ids is not None:
        unknown = await repo.unknown_affiliates(cmd.org_id, cmd.affiliate_ids)
        if unknown:  # another org's affiliate is as unknown as a made-up id
            raise AffiliateNotFound(f"affiliate {unknown[0]} not found", field="affiliateIds")
    balances = await repo.balances(cmd.org_id, cmd.period_start, cmd.period_end,
                                   cmd.affiliate_ids)
    ids = list({b.affiliate_id for b in balances} | set(cmd.affiliate_ids or []))
    payees = await repo.payees(cmd.org_id, ids)
    return candidates(balances, payees, cmd.method, cmd.affiliate_ids,
                      await repo.home_currency(cmd.org_id))


def preview_of(found: list[Candidate], home_currency: str) -> PayoutPreview:
    totals: dict[str, PayoutCurrencyTotal] = {}
    for c in found:
        if c.eligible:
            t = totals.setdefault(c.balance.currency, PayoutCurrencyTotal(
                currency=c.balance.currency, total_cents=0, eligible_count=0))
            t.total_cents += c.balance.net_cents
            t.eligible_count += 1
    currencies = sorted(totals)
    return PayoutPreview(
        total_cents=total_cents(found),
        currency=currencies[0] if len(currencies) == 1 else home_currency,
        eligible_count=sum(c.eligible for c in found),
        ineligible_count=sum(not c.eligible for c in found),
        candidates=[PayoutCandidate(
            affiliate_id=c.balance.affiliate_id, currency=c.balance.currency,
            amount_cents=c.balance.net_cents, line_item_count=c.balance.line_count,
            is_eligible=c.eligible, ineligibility_reason=c.reason) for c in found],
        totals=[totals[k] for k in currencies])


async def preview_payables(pool: asyncpg.Pool, cmd: PayableSelection) -> PayoutPreview:
    async with pool.acquire() as conn:
        repo = PayablesRepository(conn)
        found = await _candidates(repo, cmd)
        return preview_of(found, await repo.home_currency(cmd.org_id))


async def claim_payables(pool: asyncpg.Pool, cmd: ClaimPayables) -> Claim:
    """Claim every eligible candidate's rows for a new payout each, if the total is what the
    caller confirmed (else 409 ``payout_total_mismatch`` with ``currentTotalCents``, nothing
    written). The same run again answers its first claim; a released run is refused."""
    async with unit_of_work(pool) as tx:
        repo = PayablesRepository(tx.conn)
        await repo.lock_org(cmd.org_id)
        status = await repo.claim_status(cmd.run_id, cmd.org_id)
        if status == "Released":
            raise PayoutRunReleased("this payout run was abandoned; start a new run")
        if status == "Claimed":
            return await _claim_of(repo, cmd.run_id)
        found = await _candidates(repo, cmd)
        expected = total_cents(found)
        if expected != cmd.confirm_total_cents:
            raise _mismatch(expected)
        chosen = [(new_id(), c) for c in found if c.eligible]
        lines = await repo.claim(cmd.org_id, cmd.period_start, cmd.period_end,
                                 cmd.affiliate_ids,
                                 [(pid, c.balance.affiliate_id, c.balance.currency)
                                  for pid, c in chosen])
        payouts = [ClaimedPayout(payout_id=pid, affiliate_id=c.balance.affiliate_id,
                                 currency=c.balance.currency,
                                 amount_cents=sum(line.amount_cents for line in lines[pid]),
                                 destination=c.destination, lines=lines[pid])
                   for pid, c in chosen]
        # A row a concurrent writer moved on (refunded, approved) since the totals were read
        # changes what is claimed: refuse like any other change of total.
        claimed = sum(p.amount_cents for p in payouts)
        if claimed != expected or any(p.amount_cents <= 0 for p in payouts):
            raise _mismatch(claimed)
        await repo.add_claim(cmd.run_id, cmd.org_id, "Claimed", now_utc())
        await repo.add_claimed_payouts(cmd.run_id, cmd.org_id, [
            (p.payout_id, p.affiliate_id, p.currency, p.amount_cents) for p in payouts])
        return Claim(run_id=cmd.run_id, payouts=payouts)


def _mismatch(current: int) -> PayoutTotalMismatch:
    return PayoutTotalMismatch(
        f"confirmTotalCents does not match the current total ({current}); preview again",
        field="confirmTotalCents", extra={"currentTotalCents": current})


async def _claim_of(repo: PayablesRepository, run_id: uuid.UUID) -> Claim:
    made = await repo.claimed_payouts(run_id)
    lines = await repo.claimed_lines([m[0] for m in made])
    return Claim(run_id=run_id, payouts=[
        ClaimedPayout(payout_id=pid, affiliate_id=aff, currency=cur, amount_cents=cents,
                      destination=None, lines=lines[pid]) for pid, aff, cur, cents in made])


async def claim_of_run(pool: asyncpg.Pool, cmd: RunRef) -> Claim:
    """What a run claimed (no payouts: it claimed nothing, or never reached the ledger)."""
    async with pool.acquire() as conn:
        repo = PayablesRepository(conn)
        status = await conn.fetchval(
            "SELECT status FROM payout_claims WHERE run_id = $1 AND org_id = $2",
            cmd.run_id, cmd.org_id)
        claim = await _claim_of(repo, cmd.run_id)
        return claim.model_copy(update={"released": status == "Released"})


async def release_run(pool: asyncpg.Pool, cmd: RunRef) -> Claim:
    """Abandon a run whose payouts were never written: its rows go back, and a claim of it
    arriving later is refused. Safe to repeat."""
    async with unit_of_work(pool) as tx:
        repo = PayablesRepository(tx.conn)
        await repo.lock_org(cmd.org_id)
        status = await repo.claim_status(cmd.run_id, cmd.org_id)
        at = now_utc()
        if status is None:
            await repo.add_claim(cmd.run_id, cmd.org_id, "Released", at)
        else:
            await repo.release_run(cmd.run_id, at)
        return Claim(run_id=cmd.run_id, payouts=[], released=True)


async def settle_paid(tx: Transaction, org_id: uuid.UUID, payout_id: uuid.UUID,
                      at: datetime) -> bool:
    """The payout was paid: its rows turn Paid (``conversion.paid`` each), and a row refunded
    while it was claimed leaves a claw-back, since its commission left all the same. False
    when already settled (a redelivery)."""
    repo = PayablesRepository(tx.conn)
    if not await repo.mark_paid(payout_id, at):
        return False
    await stage_events(tx.conn, org_id, [("conversion.paid", as_json(to_response(c)))
                                         for c in await repo.turn_paid(payout_id)], now=at)
    adjustments = AdjustmentsRepository(tx.conn)
    for c, owed in await repo.refunded_while_claimed(payout_id):
        await adjustments.add(Adjustment(new_id(), c.org_id, c.affiliate_id, c.currency,
                                         -owed, c.id, REFUND_REASON, at))
    return True


async def release_cancelled(tx: Transaction, payout_id: uuid.UUID, at: datetime) -> bool:
    """The payout was cancelled after it failed: its rows are payable again."""
    return await PayablesRepository(tx.conn).release_payout(payout_id, at)


async def payout_destination(pool: asyncpg.Pool, cmd: DestinationQuery) -> PayoutDestination:
    """Where a claimed payout's affiliate is paid by ``method`` now (null: not given)."""
    async with pool.acquire() as conn:
        payee = await PayablesRepository(conn).payee_of(cmd.org_id, cmd.payout_id)
    return PayoutDestination(destination=payee.destination(cmd.method) if payee else None)
