"""Reading payouts: the list (cursor pages) and one payout, with their line items; and what an
org paid since a moment (the gateway's billing state) and on a day (the metrics rebuild)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from libs.contracts import payouts as contract
from libs.contracts.billing import PaidOnDay, PaidSince, PaidSinceQuery
from libs.contracts.metrics_rebuild import PaidOnQuery, PaidPayout, PaidPayouts
from libs.shared.pagination import Cursor, decode_cursor, page_of
from services.payouts.adapters.repository import PayoutsRepository
from services.payouts.domain.errors import PayoutNotFound
from services.payouts.domain.model import Payout, to_response
from services.payouts.service_layer.deps import PayoutsDeps


def cursor_of(p: Payout) -> Cursor:
    return Cursor(p.created_at, p.id)


async def list_payouts(deps: PayoutsDeps, cmd: contract.ListPayouts) -> contract.PayoutList:
    since = cmd.since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    async with deps.pool.acquire() as conn:
        repo = PayoutsRepository(conn)
        rows = await repo.page(cmd.org_id, take=cmd.take, after=decode_cursor(cmd.cursor),
                               affiliate_id=cmd.affiliate_id,
                               status=cmd.status.value if cmd.status else None,
                               method=cmd.method.value if cmd.method else None, since=since)
        items, next_cursor, has_more = page_of(rows, cmd.take, cursor_of)
        lines = await repo.lines_of([p.id for p in items])
    return contract.PayoutList(items=[to_response(p, lines[p.id]) for p in items],
                               next_cursor=next_cursor, has_more=has_more)


async def get_payout(deps: PayoutsDeps, cmd: contract.GetPayout) -> contract.PayoutResponse:
    async with deps.pool.acquire() as conn:
        repo = PayoutsRepository(conn)
        payout = await repo.get(cmd.org_id, cmd.payout_id)
        if payout is None:
            raise PayoutNotFound("payout not found")
        lines = await repo.lines_of([payout.id])
    return to_response(payout, lines[payout.id])


async def paid_since(deps: PayoutsDeps, cmd: PaidSinceQuery) -> PaidSince:
    async with deps.pool.acquire() as conn:
        rows = await PayoutsRepository(conn).paid_since(cmd.org_id, cmd.since)
    return PaidSince(items=[PaidOnDay(currency=r["currency"], day=r["day"],
                                      amount_cents=r["amount_cents"]) for r in rows])


async def paid_on(deps: PayoutsDeps, q: PaidOnQuery) -> PaidPayouts:
    """A day's Paid payouts, for rebuilding the dashboard's rollups."""
    start = datetime.combine(q.day, time(), UTC)
    async with deps.pool.acquire() as conn:
        rows = await PayoutsRepository(conn).paid_on(q.org_id, start, start + timedelta(days=1))
    return PaidPayouts(payouts=[PaidPayout(
        id=r["id"], affiliate_id=r["affiliate_id"], currency=r["currency"],
        amount_cents=r["amount_cents"], paid_at=r["paid_at"]) for r in rows])
