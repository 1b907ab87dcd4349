"""``GET`` / ``PUT /api/v1/me/payout-details`` behind the gateway, through the ledger's own
request table (the JSON in, the envelope's field, the JSON out) on the real database: one
membership or all of them, validated as an operator's change is, audited in each membership's
org as the user, and only ever shown back masked."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest

from libs.contracts import me_payouts as me
from libs.shared.errors import RekomiError
from libs.shared.rpc_handlers import HandlerTable
from libs.shared.settings import Settings
from services.ledger.payables.entrypoints.rpc import add_payables_handlers
from tests.common.affiliate_side import USER, join, membership, new_org

STRIPE = "acct_1AbCdEfGh12"


@pytest.fixture
def call(pool: asyncpg.Pool) -> Any:
    table = HandlerTable("ledger")
    add_payables_handlers(table, SimpleNamespace(pool=pool, settings=Settings()))

    async def call(rpc: Any, payload: dict[str, Any]) -> Any:
        return await table.handlers[rpc.name](payload)

    return call


async def _stored(pool: asyncpg.Pool, affiliate_id: uuid.UUID) -> tuple[Any, ...]:
    return tuple(await pool.fetchrow(
        "SELECT stripe_account_id, paypal_email, wise_recipient_id FROM affiliates "
        "WHERE id = $1", affiliate_id))


async def _audits(pool: asyncpg.Pool, affiliate_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT payload FROM outbox WHERE routing_key = 'audit.recorded' "
        "AND payload->>'entityId' = $1 AND payload->>'action' = "
        "'affiliate.payout_details_changed' ORDER BY created_at", str(affiliate_id))
    return [r["payload"] for r in rows]


async def test_set_for_all_or_one_membership_shown_masked_and_audited(
        pool: asyncpg.Pool, call: Any) -> None:
    a, b = await new_org(pool), await new_org(pool)
    pat_a, pat_b = await join(pool, a, "pat@example.com"), await join(pool, b, "pat@example.com")
    other = await join(pool, a, "other@example.com")
    mine = [membership(a, pat_a), membership(b, pat_b)]
    empty = await call(me.MY_PAYOUT_DETAILS, {"memberships": mine})
    assert empty == {"items": [
        {"affiliateId": str(aff), "orgId": str(org.id), "programId": str(org.program_id),
         "stripeAccountId": None, "paypalEmail": None, "wiseRecipientId": None}
        for org, aff in ((a, pat_a), (b, pat_b))]}

    # Without affiliateId: every membership, in one go.
    both = await call(me.PUT_MY_PAYOUT_DETAILS, {"memberships": mine, "actor": USER,
                                                 "data": {"stripeAccountId": STRIPE}})
    assert [i["stripeAccountId"] for i in both["items"]] == ["acct_****Gh12"] * 2
    assert [await _stored(pool, i) for i in (pat_a, pat_b)] == [(STRIPE, None, None)] * 2
    # With it: that membership only; null clears one key, the others stay.
    one = await call(me.PUT_MY_PAYOUT_DETAILS, {
        "memberships": mine, "actor": USER, "data": {
            "affiliateId": str(pat_b), "stripeAccountId": None,
            "paypalEmail": "pat.smith@example.com", "wiseRecipientId": "12345678"}})
    assert one == {"items": [{
        "affiliateId": str(pat_b), "orgId": str(b.id), "programId": str(b.program_id),
        "stripeAccountId": None, "paypalEmail": "p***@example.com",
        "wiseRecipientId": "****5678"}]}
    assert await _stored(pool, pat_b) == (None, "pat.smith@example.com", "12345678")
    assert await _stored(pool, pat_a) == (STRIPE, None, None)
    shown = str(await call(me.MY_PAYOUT_DETAILS, {"memberships": mine}))
    assert "p***@example.com" in shown and "pat.smith" not in shown and STRIPE not in shown

    # Each change is in its own org's log, by the user, without the values.
    logged = await _audits(pool, pat_b)
    assert [(e["orgId"], e["actor"]["type"], e["actor"]["userId"]) for e in logged] == [
        (str(b.id), "user", "user_2pat")] * 2
    assert (logged[1]["before"], logged[1]["after"]) == (
        {"affiliateId": str(pat_b), "stripeConnect": True, "paypal": False, "wise": False},
        {"affiliateId": str(pat_b), "stripeConnect": False, "paypal": True, "wise": True})
    assert [e["orgId"] for e in await _audits(pool, pat_a)] == [str(a.id)]
    assert "pat.smith" not in str(logged) and STRIPE not in str(logged)
    # The other affiliate of the same org was never touched, nor audited.
    assert await _stored(pool, other) == (None, None, None)
    assert await _audits(pool, other) == []


async def test_another_affiliates_id_is_not_found_and_nothing_changes(
        pool: asyncpg.Pool, call: Any) -> None:
    a = await new_org(pool)
    pat, other = await join(pool, a, "pat@example.com"), await join(pool, a, "o@example.com")
    with pytest.raises(RekomiError) as refused:
        await call(me.PUT_MY_PAYOUT_DETAILS, {
            "memberships": [membership(a, pat)], "actor": USER,
            "data": {"affiliateId": str(other), "paypalEmail": "thief@example.com"}})
    assert (refused.value.code, refused.value.field) == ("affiliate_not_found", "affiliateId")
    assert await _stored(pool, other) == await _stored(pool, pat) == (None, None, None)


@pytest.mark.parametrize(("data", "field"), [
    ({"stripeAccountId": "nope"}, "stripeAccountId"),
    ({"stripeAccountId": "acct_"}, "stripeAccountId"),
    ({"paypalEmail": "not-an-email"}, "paypalEmail"),
    ({"wiseRecipientId": "12ab"}, "wiseRecipientId"),
    ({"wiseRecipientId": 12345}, "wiseRecipientId"),
    ({"iban": "DE89370400440532013000"}, "iban"),
    ({"affiliateId": "not-a-uuid"}, "affiliateId"),
])
async def test_invalid_details_are_refused_with_the_field(
        pool: asyncpg.Pool, call: Any, data: dict[str, Any], field: str) -> None:
    a = await new_org(pool)
    pat = await join(pool, a, "pat@example.com")
    with pytest.raises(RekomiError) as refused:
        await call(me.PUT_MY_PAYOUT_DETAILS, {"memberships": [membership(a, pat)],
                                              "actor": USER, "data": data})
    assert (refused.value.code, refused.value.field) == ("validation_failed", field)
    assert await _stored(pool, pat) == (None, None, None)
