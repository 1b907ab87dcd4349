"""What a recruiter's downline earned (``downline_totals``), on the real ledger schema: the
recruit's own commission and the recruiter's overrides, Refunded and Denied rows left out, one
tier only, each day's sum in its currency converted to the home currency at that day's rate."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg

from libs.contracts.attributed import AcceptedRefund
from services.ledger.sub_affiliates.domain.model import Totals
from services.ledger.sub_affiliates.service_layer.totals import downline_totals
from tests.common.ledger_booking import (
    Program,
    another,
    book,
    new_program,
    refund,
    sale_on,
    usd_per_eur,
)

# A week of 2003 that only this module writes rates for: 1 EUR buys 1.10 USD on Monday and
# 1.20 USD on Tuesday.
MONDAY, TUESDAY = date(2003, 9, 1), date(2003, 9, 2)


async def _totals(pool: asyncpg.Pool, p: Program, home: str = "USD") -> dict[uuid.UUID, Totals]:
    async with pool.acquire() as conn:
        return await downline_totals(conn, p.org_id, p.recruiter_id, home)


async def test_totals_count_live_rows_of_one_tier_in_the_home_currency(
        pool: asyncpg.Pool) -> None:
    await usd_per_eur(pool, {MONDAY: "1.1000", TUESDAY: "1.2000"})
    p = await new_program(pool)  # the recruit earns 20%, its recruiter 10% of that
    assert await _totals(pool, p) == {}
    await book(pool,
                sale_on(p, "eur-mon", MONDAY, "EUR"),      # 2000 EUR -> 2200 USD; 200 -> 220
                sale_on(p, "eur-tue", TUESDAY, "EUR"),     # 2000 EUR -> 2400 USD; 200 -> 240
                sale_on(p, "usd-tue", TUESDAY, "USD", 9900),  # 1980 USD; 198
                # The recruiter's own sale is not its recruit's.
                sale_on(p, "own", MONDAY, "USD", affiliate_id=p.recruiter_id))
    assert await _totals(pool, p) == {p.affiliate_id: Totals(6580, 658)}

    # A recruit of the recruit earns the recruit an override: two tiers down from the
    # recruiter, so it counts in neither total.
    grandchild = await another(pool, p, status="Approved", recruited_by=p.affiliate_id)
    await book(pool, sale_on(p, "deep", MONDAY, "USD", affiliate_id=grandchild))
    assert await pool.fetchval(
        "SELECT commission_cents FROM conversions WHERE affiliate_id = $1 "
        "AND parent_affiliate_conversion_id IS NOT NULL", p.affiliate_id) == 200
    assert await _totals(pool, p) == {p.affiliate_id: Totals(6580, 658)}

    # Paid still counts; a refund takes the sale and its override back; Denied counts nothing.
    await pool.execute("UPDATE conversions SET status = 'Paid' WHERE org_id = $1 "
                       "AND external_event_id = 'usd-tue'", p.org_id)
    await book(pool, AcceptedRefund.model_validate(refund(p, "eur-tue")))
    assert await _totals(pool, p) == {p.affiliate_id: Totals(4180, 418)}
    await pool.execute("UPDATE conversions SET status = 'Denied' WHERE org_id = $1 "
                       "AND external_event_id = 'eur-mon'", p.org_id)
    assert await _totals(pool, p) == {p.affiliate_id: Totals(1980, 198)}


async def test_totals_in_another_home_currency_and_per_recruit(pool: asyncpg.Pool) -> None:
    await usd_per_eur(pool, {MONDAY: "1.1000", TUESDAY: "1.2000"})
    p = await new_program(pool)
    second = await another(pool, p, status="Approved", recruited_by=p.recruiter_id)
    await book(pool, sale_on(p, "eur", MONDAY, "EUR"),
                sale_on(p, "usd", TUESDAY, "USD", 12000, affiliate_id=second))
    # EUR home: the EUR row stays as it is; 2400 USD on Tuesday is 2000 EUR, 240 is 200.
    assert await _totals(pool, p, "EUR") == {p.affiliate_id: Totals(2000, 200),
                                              second: Totals(2000, 200)}
    # Another recruiter sees none of it.
    other = Program(p.org_id, p.program_id, p.affiliate_id, p.affiliate_id)
    assert await _totals(pool, other) == {}
