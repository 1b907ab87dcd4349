"""``GET /api/v1/me/memberships`` behind the gateway: one person who is an affiliate of two orgs
sees both memberships (org, program, links) with balances per org and currency, driven through
the real booking, payout claim and settlement; another affiliate of the same org never shows."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from libs.contracts.me import ListMemberships, MyMembership
from libs.contracts.payables import ClaimPayables
from libs.shared.uow import unit_of_work
from services.ledger.affiliates.service_layer.memberships import list_memberships
from services.ledger.payables.service_layer.payables import claim_payables, settle_paid
from tests.common.affiliate_side import (
    T0,
    Org,
    approve,
    join,
    membership,
    new_org,
    refund,
    sell,
)

BASE = "https://go.example.test"


async def _memberships(pool: asyncpg.Pool, *given: dict[str, Any]) -> list[MyMembership]:
    cmd = ListMemberships.model_validate({"memberships": list(given)})
    return (await list_memberships(pool, cmd, base_url=BASE)).items


async def _claim(pool: asyncpg.Pool, org: Org, affiliate_id: uuid.UUID, total: int
                 ) -> uuid.UUID:
    """A Manual payout run of everything due to the affiliate; the payout's id."""
    claim = await claim_payables(pool, ClaimPayables.model_validate({
        "orgId": org.id, "method": "Manual", "affiliateIds": [affiliate_id],
        "periodStart": T0.date(), "periodEnd": T0.date(), "runId": uuid.uuid4(),
        "confirmTotalCents": total}))
    assert [p.amount_cents for p in claim.payouts] == [total]
    return claim.payouts[0].payout_id


def _balances(m: MyMembership) -> dict[str, tuple[int, int, int, int, int]]:
    """currency -> (pending, approved, in payout, paid, claw-back)."""
    return {b.currency: (b.pending_cents, b.approved_cents, b.in_payout_cents, b.paid_cents,
                         b.clawback_cents) for b in m.balances}


async def test_a_person_in_two_orgs_sees_both_with_balances_per_org_and_currency(
        pool: asyncpg.Pool) -> None:
    a, b = await new_org(pool, percent=20), await new_org(pool, percent=10, home="EUR")
    pat_a = await join(pool, a, "pat@example.com", at=T0)
    pat_b = await join(pool, b, "pat@example.com", at=T0.replace(hour=17))
    other = await join(pool, a, "other@example.com")
    recruit = await join(pool, a, "recruit@example.com", recruited_by=pat_a)

    # Org A, USD, at 20%: two sales approved and paid by a first run, one refunded after.
    paid, refunded = await sell(pool, a, pat_a, 10_000), await sell(pool, a, pat_a, 4_000)
    await approve(pool, a, paid, refunded)
    first = await _claim(pool, a, pat_a, 2_000 + 800)
    async with unit_of_work(pool) as tx:
        assert await settle_paid(tx, a.id, first, T0)
    # One approved and claimed by a second run that is not paid yet.
    claimed = await sell(pool, a, pat_a, 5_000)
    await approve(pool, a, claimed)
    await _claim(pool, a, pat_a, 1_000)
    # Refunded after it was paid: a claw-back the next payout nets.
    await refund(pool, a, refunded)
    # Approved after the runs: due next time.
    await approve(pool, a, await sell(pool, a, pat_a, 2_500))
    # Pending: its own sale, and the override on its recruit's sale (20% of 10,000, 10% of it).
    await sell(pool, a, pat_a, 3_000)
    await sell(pool, a, recruit, 10_000)
    # Pending in EUR; a refunded one counts nowhere; the other affiliate's is not Pat's.
    await sell(pool, a, pat_a, 8_000, "EUR")
    await refund(pool, a, await sell(pool, a, pat_a, 1_000, "EUR"))
    await approve(pool, a, await sell(pool, a, other, 50_000))
    # Org B, at 10%: one pending USD sale.
    await sell(pool, b, pat_b, 20_000)

    first_m, second_m = await _memberships(pool, membership(a, pat_a), membership(b, pat_b))
    assert (first_m.affiliate_id, second_m.affiliate_id) == (pat_a, pat_b)
    assert _balances(first_m) == {"EUR": (1_600, 0, 0, 0, 0),
                                  "USD": (600 + 200, 500, 1_000, 2_000, -800)}
    assert _balances(second_m) == {"USD": (2_000, 0, 0, 0, 0)}
    assert (first_m.organization.id, first_m.organization.name, first_m.organization.handle) == (
        a.id, a.name, a.handle)
    assert (second_m.program.id, second_m.email, second_m.status) == (
        b.program_id, "pat@example.com", "Approved")
    slug = (await pool.fetchval("SELECT slug FROM affiliate_links WHERE affiliate_id = $1",
                                pat_b))
    assert [(link.slug, link.url, link.is_default) for link in second_m.links] == [
        (slug, f"{BASE}/r/{slug}", True)]


async def test_only_the_callers_live_memberships_show(pool: asyncpg.Pool) -> None:
    a, b = await new_org(pool), await new_org(pool)
    pat_a, pat_b = await join(pool, a, "pat@example.com"), await join(pool, b, "pat@example.com")
    other = await join(pool, a, "other@example.com")
    await sell(pool, a, other, 10_000)
    # An affiliate id paired with another org is nobody's membership; so is a deleted one.
    shown = await _memberships(pool, membership(b, pat_a), membership(a, pat_b),
                               membership(a, uuid.uuid4()))
    assert shown == []
    await pool.execute("UPDATE affiliates SET deleted_at = now() WHERE id = $1", pat_b)
    assert [m.affiliate_id for m in await _memberships(
        pool, membership(a, pat_a), membership(b, pat_b))] == [pat_a]
    # The same membership twice is one, its money counted once.
    await sell(pool, a, pat_a, 1_000)
    twice = await _memberships(pool, membership(a, pat_a), membership(a, pat_a))
    assert [_balances(m) for m in twice] == [{"USD": (200, 0, 0, 0, 0)}]


async def test_links_show_only_while_approved(pool: asyncpg.Pool) -> None:
    a = await new_org(pool)
    pending = await join(pool, a, "pending@example.com", status="Pending")
    (shown,) = await _memberships(pool, membership(a, pending))
    assert (shown.status, shown.links, shown.balances) == ("Pending", [], [])
