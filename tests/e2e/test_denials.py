"""Denied conversions over HTTP: a renewal of a Banned affiliate's subscription is booked Denied;
banning through the affiliates API denies its Pending and Approved rows (and the overrides that
are its commission) and leaves Paid ones, visible on each row and its timeline; another org
cannot ban it."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp

from libs.shared.db import connect
from libs.shared.settings import Settings
from tests.common.affiliates_api import call, get_page
from tests.common.s2s import (
    CONVERSIONS,
    Seller,
    get_conversion,
    post_signed,
    recruited,
    renew,
    sale,
    seller,
    set_paid,
    subscribe,
    timeline,
)

AFFILIATES = "/api/v1/affiliates"


async def ban(http: aiohttp.ClientSession, s: Seller, affiliate_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = await call(http, "PATCH", f"{AFFILIATES}/{affiliate_id}", s.org,
                                        {"status": "Banned"})
    assert answer["status"] == "Banned", answer
    return answer


async def set_approved(conversion_id: str) -> None:
    """Mark a conversion Approved without waiting out the org's grace days."""
    conn = await connect(Settings().database_url, "ledger")
    try:
        done = await conn.execute("UPDATE conversions SET status = 'Approved' WHERE id = $1",
                                  uuid.UUID(conversion_id))
    finally:
        await conn.close()
    assert done == "UPDATE 1"


async def sold(http: aiohttp.ClientSession, s: Seller, slug: str) -> str:
    status, made = await post_signed(http, s.org, sale(slug))
    assert status == 200, made
    return str(made["conversionId"])


async def test_a_renewal_of_a_banned_affiliate_s_subscription_is_denied(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    subscription, initial = await subscribe(http, s)
    await ban(http, s, s.affiliate["id"])
    renewal = await renew(http, s, subscription, initial, 5000)
    got = await get_conversion(http, s.org, renewal["conversionId"])
    # Credited to the subscription's affiliate, commission computed and kept, never payable.
    assert (got["affiliateId"], got["type"], got["status"], got["amountCents"],
            got["commissionCents"]) == (s.affiliate["id"], "Recurring", "Denied", 5000, 1000)
    # The initial sale was Pending when the ban came: denied then, like a refund on the
    # subscription's timeline; the renewal was booked Denied (nothing to take back), so its
    # own timeline holds its renewal only.
    assert await timeline(http, s, initial, 3) == [
        ("initial", 10000, 2000), ("denied", -10000, -2000), ("renewal", 5000, 1000)]
    assert await timeline(http, s, renewal["conversionId"], 1) == [("renewal", 5000, 1000)]
    page = await get_page(http, s.org, CONVERSIONS, status="Denied")
    assert sorted(c["id"] for c in page["items"]) == sorted([initial, renewal["conversionId"]])


async def test_banning_denies_pending_and_approved_commission_and_leaves_paid(
        http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    recruit = await recruited(http, s)  # s.affiliate earns 10% of the recruit's sales
    pending, approved, paid = [await sold(http, s, s.slug) for _ in range(3)]
    await set_approved(approved)
    await set_paid(paid)
    recruit_sale = await sold(http, s, recruit["affiliateLinkSlug"])
    page = await get_page(http, s.org, CONVERSIONS, affiliateId=s.affiliate["id"], take="200")
    [override] = [c["id"] for c in page["items"] if c["parentAffiliateConversionId"]]

    theirs = await seller(http)  # another org cannot ban it: 404, nothing changes
    await call(http, "PATCH", f"{AFFILIATES}/{s.affiliate['id']}", theirs.org,
               {"status": "Banned"}, expect=404)
    assert (await get_conversion(http, s.org, pending))["status"] == "Pending"

    await ban(http, s, s.affiliate["id"])
    statuses = {i: (await get_conversion(http, s.org, i))["status"]
                for i in (pending, approved, paid, recruit_sale, override)}
    assert statuses == {pending: "Denied", approved: "Denied", paid: "Paid",
                        recruit_sale: "Pending", override: "Denied"}
    for denied in (pending, approved):  # stored like a refund: both amounts negated
        assert await timeline(http, s, denied, 2) == [("initial", 9900, 1980),
                                                      ("denied", -9900, -1980)]
    assert await timeline(http, s, override, 2) == [("initial", 0, 198), ("denied", 0, -198)]
    assert await timeline(http, s, paid, 1) == [("initial", 9900, 1980)]
    assert await timeline(http, s, recruit_sale, 1) == [("initial", 9900, 1980)]
