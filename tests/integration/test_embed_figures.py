"""``embed.figures`` on the real ledger schema: an affiliate's paid and unpaid commission in
the home currency the gateway names (each day's sum converted at that day's rate), Refunded,
Denied and unconfirmed imported rows counting nowhere, overrides counted as commission but not
listed as sales, and the latest ten sales as booked."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest

from libs.contracts.attributed import AcceptedRefund
from libs.contracts.embed import EmbedFigures, GetEmbedFigures
from services.ledger.domain.errors import AffiliateNotFound
from services.ledger.embed.service_layer.figures import embed_figures
from tests.common.ledger_booking import (
    Program,
    book,
    new_program,
    refund,
    sale_on,
    usd_per_eur,
)

# A week of 2004 that only this module writes rates for: 1 EUR buys 1.10 USD on Monday and
# 1.30 USD on Tuesday.
MONDAY, TUESDAY = date(2004, 9, 6), date(2004, 9, 7)


async def _set(pool: asyncpg.Pool, p: Program, status: str, *event_ids: str,
               locked: bool = False) -> None:
    # A locked row is imported history: an import leaves it without a grace period (NULL
    # approve_after), as here, so the approval job never takes it.
    await pool.execute("UPDATE conversions SET status = $3, locked = $4, approve_after = "
                       "CASE WHEN $4 THEN NULL ELSE approve_after END WHERE org_id = $1 "
                       "AND external_event_id = ANY($2::text[])", p.org_id, list(event_ids),
                       status, locked)


async def _figures(pool: asyncpg.Pool, p: Program, affiliate_id: uuid.UUID | None = None,
                   home: str = "USD") -> EmbedFigures:
    return await embed_figures(pool, GetEmbedFigures(
        org_id=p.org_id, affiliate_id=affiliate_id or p.affiliate_id, currency=home))


async def test_paid_and_unpaid_commission_in_the_home_currency(pool: asyncpg.Pool) -> None:
    await usd_per_eur(pool, {MONDAY: "1.1000", TUESDAY: "1.3000"})
    p = await new_program(pool)  # the affiliate earns 20%, its recruiter 10% of that
    empty = await _figures(pool, p)
    assert (empty.earned_cents, empty.paid_cents, empty.pending_cents) == (0, 0, 0)
    assert (empty.recent_conversions, empty.currency) == ([], "USD")
    await book(pool,
                sale_on(p, "eur-mon-paid", MONDAY, "EUR"),            # 2000 EUR -> 2200 USD
                sale_on(p, "eur-tue-approved", TUESDAY, "EUR", minute=1),  # 2000 -> 2600 USD
                sale_on(p, "usd-tue-pending", TUESDAY, minute=2),     # 2000 USD
                sale_on(p, "usd-tue-refunded", TUESDAY, minute=3),
                sale_on(p, "usd-tue-denied", TUESDAY, minute=4),
                sale_on(p, "usd-tue-imported", TUESDAY, minute=5))
    await book(pool, AcceptedRefund.model_validate(refund(p, "usd-tue-refunded")))
    await _set(pool, p, "Paid", "eur-mon-paid")
    await _set(pool, p, "Approved", "eur-tue-approved")
    await _set(pool, p, "Denied", "usd-tue-denied")
    await _set(pool, p, "Pending", "usd-tue-imported", locked=True)  # unconfirmed history
    got = await _figures(pool, p)
    assert (got.paid_cents, got.pending_cents, got.earned_cents) == (2200, 4600, 6800)
    statuses = [(c.status, c.currency, c.amount_cents, c.commission_cents)
                for c in got.recent_conversions]
    assert statuses == [("Pending", "USD", 10000, 2000), ("Denied", "USD", 10000, 2000),
                        ("Refunded", "USD", 10000, 2000), ("Pending", "USD", 10000, 2000),
                        ("Approved", "EUR", 10000, 2000), ("Paid", "EUR", 10000, 2000)]
    # In EUR as home currency, the USD day converts back at Tuesday's rate.
    in_eur = await _figures(pool, p, home="EUR")
    assert (in_eur.paid_cents, in_eur.pending_cents, in_eur.currency) == (
        2000, 2000 + round(2000 / Decimal("1.3")), "EUR")


async def test_overrides_are_commission_but_not_sales_and_the_list_keeps_ten(
        pool: asyncpg.Pool) -> None:
    p = await new_program(pool)
    day = datetime.now(UTC).date() - timedelta(days=1)
    await book(pool, *(sale_on(p, f"s{n}", day, minute=n) for n in range(12)))
    recruiter = await _figures(pool, p, p.recruiter_id)
    assert recruiter.pending_cents == 12 * 200  # its overrides on the recruit's sales
    assert recruiter.recent_conversions == []  # none of them is a sale of its own
    mine = await _figures(pool, p)
    assert mine.pending_cents == 12 * 2000
    assert len(mine.recent_conversions) == 10
    times = [c.created_at for c in mine.recent_conversions]
    assert times == sorted(times, reverse=True) and times[0].minute == 11


async def test_an_affiliate_of_another_org_or_deleted_is_not_found(pool: asyncpg.Pool) -> None:
    p, other = await new_program(pool), await new_program(pool)
    with pytest.raises(AffiliateNotFound):
        await _figures(pool, p, other.affiliate_id)
    await pool.execute("UPDATE affiliates SET deleted_at = now() WHERE id = $1", p.affiliate_id)
    with pytest.raises(AffiliateNotFound):
        await _figures(pool, p)
