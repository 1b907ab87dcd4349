"""``embed.figures``: an affiliate's earnings for the embedded dashboard, in the org's home
currency (each day's commission converted at that day's rate, as the dashboard's metrics
convert), and its latest sales as booked."""

from __future__ import annotations

import asyncpg

from libs.contracts.embed import (
    RECENT_CONVERSIONS,
    EmbedConversion,
    EmbedFigures,
    GetEmbedFigures,
)
from services.ledger.domain.errors import AffiliateNotFound
from services.ledger.embed.adapters.repository import day_sums, member, recent_sales
from services.ledger.metrics.service_layer.queries import Money


async def embed_figures(pool: asyncpg.Pool, cmd: GetEmbedFigures) -> EmbedFigures:
    async with pool.acquire() as conn:
        found = await member(conn, cmd.org_id, cmd.affiliate_id)
        if found is None:
            raise AffiliateNotFound("affiliate not found")
        sums = await day_sums(conn, cmd.org_id, cmd.affiliate_id)
        money = await Money.load(conn, cmd.org_id, [(s.day, s.currency) for s in sums],
                                 home=cmd.currency)
        sales = await recent_sales(conn, cmd.org_id, cmd.affiliate_id, RECENT_CONVERSIONS)
    paid = sum(money.home_cents(s.day, s.currency, s.paid_cents) for s in sums)
    pending = sum(money.home_cents(s.day, s.currency, s.unpaid_cents) for s in sums)
    return EmbedFigures(
        affiliate_name=found["full_name"], program_name=found["program_name"],
        earned_cents=paid + pending, paid_cents=paid, pending_cents=pending,
        currency=cmd.currency, recent_conversions=[
            EmbedConversion(id=r["id"], amount_cents=r["amount_cents"],
                            commission_cents=r["commission_cents"], currency=r["currency"],
                            status=r["status"], created_at=r["created_at"]) for r in sales])
