"""Rebuilding an org's rollups from the owners' data, one UTC day per transaction
(``rekomi admin metrics-rebuild``): the day's rows are taken out of every grain, then the day
is counted again, through the same ``Deltas`` and write path as live events, from the ledger's
conversions, tracking's clicks and payouts' paid payouts (both sent by the command, which asks
their owners). The plan keeps the next day, so a rebuild that stops resumes there.

Live events go on meanwhile. A day is rebuilt under the org's exclusive lock, which every live
batch holds shared, so the two never interleave. Conversions and payouts are then exact however
late their events are: ``metric_conversions`` remembers what each conversion added (a late
``conversion.*`` event finds the rebuilt state and changes nothing twice; a conversion is
rebuilt net of its partial refunds, which a late step's event lowers it to, never below), and
a payout counted here is remembered by id (its late ``payout.paid`` adds nothing). Clicks have
no such id: a click batch's ``tracking.clicks.rolled`` still in flight would count again, so
the command stops two days before today by default (clicks are rolled within seconds of being
recorded)."""

from __future__ import annotations

import uuid
from dataclasses import replace

import asyncpg

from libs.contracts import metrics_rebuild as r
from libs.contracts.metrics import ClicksRolled
from libs.shared.errors import ValidationFailed
from libs.shared.uow import unit_of_work
from services.ledger.conversions.domain.model import Conversion, to_response
from services.ledger.domain.errors import RebuildOutOfOrder
from services.ledger.metrics.adapters.rebuild_store import RebuildStore, lock_orgs
from services.ledger.metrics.adapters.rollups import Rollups
from services.ledger.metrics.domain.rollup import Deltas, Fact, fact_of
from services.ledger.metrics.service_layer.apply import with_origins


async def plan(pool: asyncpg.Pool, cmd: r.PlanRebuild) -> r.RebuildPlan:
    """The org's unfinished rebuild (resumed), or a new one: from ``since`` (by default the
    org's first click, conversion or payout) through ``through``."""
    if cmd.since is not None and cmd.since > cmd.through:
        raise ValidationFailed("since must not be after through", field="since")
    async with unit_of_work(pool) as tx:
        store = RebuildStore(tx.conn)
        current = await store.plan_of(cmd.org_id)
        if current is not None and not current.finished and not cmd.restart:
            return r.RebuildPlan(first_day=current.first_day, last_day=current.last_day,
                                 next_day=current.next_day, resumed=True)
        known = [d for d in (cmd.first_click_day, await store.first_data_day(cmd.org_id)) if d]
        first = cmd.since or min(known, default=cmd.through)
        first = min(first, cmd.through)
        await store.start(cmd.org_id, first, cmd.through)
    return r.RebuildPlan(first_day=first, last_day=cmd.through, next_day=first, resumed=False)


async def rebuild_day(pool: asyncpg.Pool, cmd: r.RebuildDay) -> r.DayRebuilt:
    async with unit_of_work(pool) as tx:
        await lock_orgs(tx.conn, [cmd.org_id], shared=False)
        store, repo = RebuildStore(tx.conn), Rollups(tx.conn)
        current = await store.plan_of(cmd.org_id)
        if current is None or current.finished or current.next_day != cmd.day:
            raise RebuildOutOfOrder(
                f"the rebuild of this org is not at {cmd.day.isoformat()} (another rebuild "
                "runs, or it was restarted): run the command again to resume")
        await store.take_back_day(cmd.org_id, cmd.day)
        deltas = Deltas()
        conversions = await store.conversions_of_day(cmd.org_id, cmd.day)
        facts = await _facts(store, repo, conversions)
        for fact, conversion in zip(facts, conversions, strict=True):
            _count(deltas, fact, conversion.status)
        await repo.remember_many(facts)
        deltas.clicks(ClicksRolled(org_id=cmd.org_id, cells=cmd.cells))
        for p in cmd.payouts:
            deltas.paid_out(cmd.org_id, cmd.day, p.affiliate_id, p.currency, p.amount_cents)
        await store.remember_payouts([p.id for p in cmd.payouts])
        await repo.write(deltas)
        next_day = await store.advance(cmd.org_id, cmd.day)
    return r.DayRebuilt(day=cmd.day, conversions=len(conversions),
                        clicks=sum(c.clicks for c in cmd.cells if not c.bot),
                        payouts=len(cmd.payouts), next_day=next_day)


def _count(deltas: Deltas, fact: Fact, status: str) -> None:
    """What the live path ends with for a conversion now in ``status``: counted, or counted
    and taken back by its refund (which leaves it in ``refunded``); a denial counts nothing."""
    if fact.counted:
        deltas.count(fact, +1)
    elif status == "Refunded":
        booked = replace(fact, counted=True)
        deltas.count(booked, +1)
        deltas.count(booked, -1, refund=True)


async def _facts(store: RebuildStore, repo: Rollups, conversions: list[Conversion]
                 ) -> list[Fact]:
    """The day's conversions as the rollups hold them: a sale is Returning when its customer
    was first seen on an earlier day, or earlier the same day; with its originating click."""
    if not conversions:
        return []
    org, day = conversions[0].org_id, conversions[0].created_at.date()
    facts = [fact_of(org, to_response(c)) for c in conversions]
    sales = [f for f, c in zip(facts, conversions, strict=True)
             if f.sale and c.status != "Denied"]
    customers = await repo.customers_of([f.conversion_id for f in sales])
    first_days = await store.customer_first_days(org, sorted(set(customers.values())))
    seen: set[str] = {c for c, first in first_days.items() if first < day}
    returning: set[uuid.UUID] = set()
    for f in sales:
        who = customers.get(f.conversion_id)
        if who is None:
            continue
        if who in seen:
            returning.add(f.conversion_id)
        seen.add(who)
    await store.saw_customers(org, list(set(customers.values())), day)
    return await with_origins(repo, facts, sales, returning)
