"""The org profile and the billing state over HTTP (ENDPOINTS.md rows 50-51): shapes and
defaults, the tier's limits and grace-days ceiling, usage counted by the ledger and the payouts
service, read scope, any plan, and each org seeing only itself."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from libs.shared.db import connect
from libs.shared.settings import Settings
from tests.common.affiliates_api import AFFILIATES, call, create_affiliate
from tests.common.api import PROGRAMS, create_program
from tests.common.orgs import Org, new_key, new_org
from tests.common.payouts_api import approved_sale, preview, run
from tests.common.s2s import seller

PROFILE = "/api/organizations/me"
BILLING = "/api/billing/state"
# The tier limits as README lists them: (affiliates, campaigns, payouts/month, seats, grace).
TIERS = {"Trial": (10, 1, 0, 1, 30), "Starter": (100, 3, 500_000, 2, 30),
         "Growth": (None, None, 1_500_000, 5, 30), "Pro": (None, None, None, None, 90)}


async def _get(http: aiohttp.ClientSession, path: str, org: Org,
               headers: dict[str, str] | None = None) -> dict[str, Any]:
    async with http.get(path, headers=headers or org.auth) as response:
        body: dict[str, Any] = await response.json()
        assert response.status == 200, body
    return body


def _limits(tier: str, affiliates: int = 0, campaigns: int = 0, paid: int = 0
            ) -> dict[str, Any]:
    most_affiliates, most_campaigns, most_paid, seats, _grace = TIERS[tier]
    return {"affiliates": {"current": affiliates, "max": most_affiliates},
            "campaigns": {"current": campaigns, "max": most_campaigns},
            "partnerPayoutsThisMonthCents": {"current": paid, "max": most_paid},
            "teamSeats": {"current": 1, "max": seats}}


async def _gateway_sql(sql: str, *args: Any) -> None:
    conn = await connect(Settings().database_url, "gateway")
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


async def test_a_new_org_reads_its_defaults(http: aiohttp.ClientSession, org: Org) -> None:
    assert await _get(http, PROFILE, org) == {
        "id": org.org_id, "name": f"Brand {org.handle}", "slug": org.handle,
        "billingEmail": None, "timezone": "UTC", "primaryBrandColor": None, "logoUrl": None,
        "description": None, "whiteLabelEnabled": False, "planTier": "Pro",
        "subscriptionStatus": "Active", "trialEndsAt": None, "payoutGraceDays": 30,
        "payoutGraceDaysMax": 90}
    assert await _get(http, BILLING, org) == {
        "planTier": "Pro", "subscriptionStatus": "Active", "trialEndsAt": None,
        "interval": None, "stripeSubscriptionId": None, "stripeCustomerLinked": False,
        "stripeConnectLinked": False, "limits": _limits("Pro")}


@pytest.mark.parametrize(("plan", "status", "tier_in_force"), [
    ("Trial", "None", "Trial"), ("Trial", "Trialing", "Trial"), ("Starter", "Active", "Starter"),
    ("Growth", "Trialing", "Growth"), ("Growth", "PastDue", "Growth"), ("Pro", "Active", "Pro"),
    ("Pro", "Canceled", "Trial"),  # a lapsed subscription counts as Trial
])
async def test_every_plan_reads_both_with_the_limits_of_its_tier(
        http: aiohttp.ClientSession, plan: str, status: str, tier_in_force: str) -> None:
    org = await new_org(plan=plan, status=status)
    profile = await _get(http, PROFILE, org)
    assert (profile["planTier"], profile["subscriptionStatus"],
            profile["payoutGraceDaysMax"]) == (plan, status, TIERS[tier_in_force][4])
    state = await _get(http, BILLING, org)
    assert (state["planTier"], state["subscriptionStatus"]) == (plan, status)
    assert state["limits"] == _limits(tier_in_force)


async def test_the_stored_profile_and_billing_fields_as_the_reference_shows_them(
        http: aiohttp.ClientSession) -> None:
    org = await new_org(plan="Growth", status="Trialing")
    trial_end = datetime(2030, 1, 31, 12, 0, tzinfo=UTC)
    await _gateway_sql(
        "UPDATE orgs SET billing_email = 'billing@acme.com', timezone = 'America/Los_Angeles', "
        "primary_brand_color = '#3B0764', logo_url = 'https://cdn.rekomi.com/acme.png', "
        "description = 'Acme makes widgets.', white_label_enabled = true, trial_ends_at = $2, "
        "billing_interval = 'Monthly', stripe_subscription_id = 'sub_123', "
        "stripe_customer_id = 'cus_123', stripe_connect_account_id = 'acct_123' WHERE id = $1",
        uuid.UUID(org.org_id), trial_end)
    profile = await _get(http, PROFILE, org)
    assert {k: profile[k] for k in ("billingEmail", "timezone", "primaryBrandColor", "logoUrl",
                                    "description", "whiteLabelEnabled", "trialEndsAt")} == {
        "billingEmail": "billing@acme.com", "timezone": "America/Los_Angeles",
        "primaryBrandColor": "#3B0764", "logoUrl": "https://cdn.rekomi.com/acme.png",
        "description": "Acme makes widgets.", "whiteLabelEnabled": True,
        "trialEndsAt": "2030-01-31T12:00:00Z"}
    state = await _get(http, BILLING, org)
    assert state == {"planTier": "Growth", "subscriptionStatus": "Trialing",
                     "trialEndsAt": "2030-01-31T12:00:00Z", "interval": "Monthly",
                     "stripeSubscriptionId": "sub_123", "stripeCustomerLinked": True,
                     "stripeConnectLinked": True, "limits": _limits("Growth")}


async def test_live_affiliates_and_programs_are_counted(http: aiohttp.ClientSession,
                                                        org: Org) -> None:
    programs = [await create_program(http, org) for _ in range(3)]
    await call(http, "DELETE", f"{PROGRAMS}/{programs[2]['id']}", org, expect=204)
    first = programs[0]["id"]
    approved = await create_affiliate(http, org, first)
    await create_affiliate(http, org, first, status="Pending")
    paused = await create_affiliate(http, org, programs[1]["id"])
    await call(http, "PATCH", f"{AFFILIATES}/{paused['id']}", org, {"status": "Paused"})
    rejected = await create_affiliate(http, org, first, status="Pending")
    await call(http, "POST", f"{AFFILIATES}/{rejected['id']}/reject", org, {})
    banned = await create_affiliate(http, org, first)
    await call(http, "PATCH", f"{AFFILIATES}/{banned['id']}", org, {"status": "Banned"})
    deleted = await create_affiliate(http, org, first)
    await call(http, "POST", f"{AFFILIATES}/bulk-action", org,
               {"affiliateIds": [deleted["id"]], "action": "delete"})
    assert approved["status"] == "Approved"
    # Approved, Pending and Paused hold a place; Rejected, Banned and deleted do not; the
    # archived program is gone.
    assert (await _get(http, BILLING, org))["limits"] == _limits("Pro", affiliates=3,
                                                                  campaigns=2)


async def test_the_reference_example_and_this_month_s_paid_payouts(
        http: aiohttp.ClientSession) -> None:
    """The reference's Growth example, reproduced: 12 affiliates, 2 campaigns, 285000 cents
    paid this month (a Manual run of 20% of a 14,250.00 sale)."""
    org = await new_org(plan="Growth", status="Active")
    s = await seller(http, org)
    second = await create_program(http, org)
    for _ in range(11):
        await create_affiliate(http, org, second["id"])
    made = await approved_sale(http, s, amountCents=1_425_000)
    assert made["commissionCents"] == 285_000
    assert (await _get(http, BILLING, org))["limits"] == _limits("Growth", 12, 2, 0)
    shown = await preview(http, org)
    assert [p["status"] for p in await run(http, org, shown["totalCents"])] == ["Paid"]
    state = await _get(http, BILLING, org)
    assert state["limits"] == {
        "affiliates": {"current": 12, "max": None}, "campaigns": {"current": 2, "max": None},
        "partnerPayoutsThisMonthCents": {"current": 285000, "max": 1500000},
        "teamSeats": {"current": 1, "max": 5}}

    # Paid before this UTC month began: not this month's.
    month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    conn = await connect(Settings().database_url, "payouts")
    try:
        await conn.execute("UPDATE payouts SET paid_at = $2 WHERE org_id = $1", uuid.UUID(
            org.org_id), month - timedelta(microseconds=1))
    finally:
        await conn.close()
    assert (await _get(http, BILLING, org))["limits"]["partnerPayoutsThisMonthCents"] == {
        "current": 0, "max": 1500000}


async def test_a_read_key_reads_both(http: aiohttp.ClientSession, org: Org) -> None:
    read = await new_key(org, "read")
    for path in (PROFILE, BILLING):
        assert await _get(http, path, org, headers=read) == await _get(http, path, org)


async def test_each_org_sees_only_itself(http: aiohttp.ClientSession, org: Org,
                                         other_org: Org) -> None:
    s = await seller(http, org)
    made = await approved_sale(http, s)
    await run(http, org, made["commissionCents"])
    mine, theirs = await _get(http, BILLING, org), await _get(http, BILLING, other_org)
    assert mine["limits"] == _limits("Pro", 1, 1, made["commissionCents"])
    assert theirs["limits"] == _limits("Pro")
    profile = await _get(http, PROFILE, other_org)
    assert (profile["id"], profile["slug"]) == (other_org.org_id, other_org.handle)
    async with http.get(PROFILE) as response:  # no key, no org
        assert response.status == 401
