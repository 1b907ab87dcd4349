"""The payouts an affiliate received, across the memberships the gateway resolved from its JWT:
newest first, every status, with line items (cursor pages)."""

from __future__ import annotations

from libs.contracts.me_payouts import ListMyPayouts
from libs.contracts.payouts import PayoutList
from libs.shared.pagination import decode_cursor, page_of
from services.payouts.adapters.repository import PayoutsRepository
from services.payouts.domain.errors import AffiliateNotFound
from services.payouts.domain.model import to_response
from services.payouts.service_layer.deps import PayoutsDeps
from services.payouts.service_layer.queries import cursor_of


async def list_my_payouts(deps: PayoutsDeps, cmd: ListMyPayouts) -> PayoutList:
    """``affiliateId`` narrows to one membership; one outside them is 404."""
    pairs = [(m.org_id, m.affiliate_id) for m in cmd.memberships
             if cmd.affiliate_id in (None, m.affiliate_id)]
    if cmd.affiliate_id is not None and not pairs:
        raise AffiliateNotFound("affiliate not found", field="affiliateId")
    async with deps.pool.acquire() as conn:
        repo = PayoutsRepository(conn)
        rows = await repo.page_of_affiliates([o for o, _ in pairs], [a for _, a in pairs],
                                             take=cmd.take, after=decode_cursor(cmd.cursor))
        items, next_cursor, has_more = page_of(rows, cmd.take, cursor_of)
        lines = await repo.lines_of([p.id for p in items])
    return PayoutList(items=[to_response(p, lines[p.id]) for p in items],
                      next_cursor=next_cursor, has_more=has_more)
