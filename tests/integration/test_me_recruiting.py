"""Sub-affiliate recruiting, affiliate side (``GET /api/v1/me/sub-affiliate/link`` and
``/recruits``), on the real ledger schema: the link of a visible campaign only, 400 while
recruiting is off, and the caller's recruits across its memberships in cursor pages, with
figures computed by hand."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from libs.contracts.me import GetRecruitLink, ListRecruits, RecruitList
from libs.shared.errors import RekomiError
from services.ledger.sub_affiliates.service_layer.recruiting import (
    get_recruit_link,
    list_recruits,
)
from tests.common.affiliate_side import T0, join, membership, new_org, refund, sell


async def _link(pool: asyncpg.Pool, given: list[dict[str, Any]], program_id: uuid.UUID
                ) -> dict[str, Any]:
    link = await get_recruit_link(pool, GetRecruitLink.model_validate(
        {"memberships": given, "programId": program_id}))
    return link.model_dump(mode="json", by_alias=True)


async def _refused(pool: asyncpg.Pool, given: list[dict[str, Any]], program_id: uuid.UUID
                   ) -> str:
    with pytest.raises(RekomiError) as refused:
        await _link(pool, given, program_id)
    return refused.value.code


async def _recruits(pool: asyncpg.Pool, given: list[dict[str, Any]], **query: Any
                    ) -> RecruitList:
    return await list_recruits(pool, ListRecruits.model_validate(
        {"memberships": given, **query}))


async def test_the_link_of_a_visible_campaign_and_why_not(pool: asyncpg.Pool) -> None:
    a, off = await new_org(pool), await new_org(pool, sub_affiliate_percent=None)
    pat, pat_off = await join(pool, a, "pat@example.com"), await join(pool, off, "pat@e.com")
    mine = [membership(a, pat), membership(off, pat_off)]
    slug = await pool.fetchval("SELECT slug FROM programs WHERE id = $1", a.program_id)
    assert await _link(pool, mine, a.program_id) == {
        "affiliateId": str(pat), "programId": str(a.program_id), "programSlug": slug,
        "url": f"https://{a.handle}.rekomi.com/{slug}?recruited_by={pat}"}
    assert await _refused(pool, mine, off.program_id) == "sub_affiliate_recruiting_disabled"
    # Another org's program, or one of the caller's org it is not a member of: not visible.
    other_org, third = await new_org(pool), await new_org(pool)
    await join(pool, other_org, "someone@example.com")
    assert await _refused(pool, mine, other_org.program_id) == "program_not_found"
    assert await _refused(pool, mine, uuid.uuid4()) == "program_not_found"
    assert await _refused(pool, [membership(third, pat)], a.program_id) == "program_not_found"
    # A recruiter the storefront would not honour, or a campaign it does not list.
    pending = await join(pool, a, "pending@example.com", status="Pending")
    assert await _refused(pool, [membership(a, pending)], a.program_id) == "program_not_found"
    await pool.execute("UPDATE programs SET is_active = false WHERE id = $1", a.program_id)
    assert await _refused(pool, mine, a.program_id) == "program_not_found"


async def test_recruits_across_memberships_in_pages_with_their_figures(
        pool: asyncpg.Pool) -> None:
    a, b = await new_org(pool, percent=20), await new_org(pool, percent=10, home="EUR")
    pat_a, pat_b = await join(pool, a, "pat@example.com"), await join(pool, b, "pat@example.com")
    other = await join(pool, a, "other@example.com")
    first, second, third, fourth = (T0 + timedelta(minutes=i) for i in range(4))
    r1 = await join(pool, a, "r1@example.com", recruited_by=pat_a, at=first)
    r2 = await join(pool, a, "r2@example.com", recruited_by=pat_a, at=second, status="Pending")
    r3 = await join(pool, b, "r3@example.com", recruited_by=pat_b, at=third)
    await join(pool, a, "theirs@example.com", recruited_by=other, at=fourth)
    # r1 at 20%: 10,000 + 5,000 -> 3,000, Pat's 10% of it 300; a refunded sale counts nothing.
    await sell(pool, a, r1, 10_000)
    await sell(pool, a, r1, 5_000)
    await refund(pool, a, await sell(pool, a, r1, 7_000))
    # r3 at 10% in B, whose home currency is EUR: 25,000 EUR -> 2,500, Pat's 10% 250.
    await sell(pool, b, r3, 25_000, "EUR")
    mine = [membership(a, pat_a), membership(b, pat_b)]

    page = await _recruits(pool, mine, take=2)
    assert [(i.affiliate_id, i.status, i.total_commission_generated_cents,
             i.override_earned_cents, i.currency) for i in page.items] == [
        (r1, "Approved", 3_000, 300, "USD"), (r2, "Pending", 0, 0, "USD")]
    assert page.items[0].model_dump(mode="json", by_alias=True) == {
        "affiliateId": str(r1), "email": "r1@example.com", "fullName": "R1",
        "status": "Approved", "totalCommissionGeneratedCents": 3_000,
        "overrideEarnedCents": 300, "currency": "USD", "joinedAt": "2026-05-10T16:00:00Z"}
    assert page.next_cursor is not None
    rest = await _recruits(pool, mine, take=2, cursor=page.next_cursor)
    assert [(i.affiliate_id, i.total_commission_generated_cents, i.override_earned_cents,
             i.currency) for i in rest.items] == [(r3, 2_500, 250, "EUR")]
    assert rest.next_cursor is None

    # One membership's recruits; a program the caller is no member of is 404.
    only_b = await _recruits(pool, mine, programId=b.program_id)
    assert [i.affiliate_id for i in only_b.items] == [r3]
    with pytest.raises(RekomiError) as refused:
        await _recruits(pool, mine, programId=(await new_org(pool)).program_id)
    assert refused.value.code == "program_not_found"
    # The other affiliate's recruit is never Pat's; nobody else sees Pat's.
    assert [i.affiliate_id for i in (await _recruits(pool, [membership(a, other)])).items] == [
        (await pool.fetchval("SELECT id FROM affiliates WHERE email = 'theirs@example.com' "
                             "AND org_id = $1", a.id))]
    assert (await _recruits(pool, [])).items == []
