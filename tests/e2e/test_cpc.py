"""CPC over HTTP: clicks through a Cpc program's link become ClickReward conversions (the stack
closes 2-second click buckets; see conftest), bots never count, the org's currency applies."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from tests.common.affiliates_api import get_page
from tests.common.orgs import new_org
from tests.common.tracking_api import GOOGLEBOT, IPHONE, click_rows, post_click, tracked_link
from tests.common.waiting import eventually

CONVERSIONS = "/api/v1/conversions"


async def test_clicks_on_a_cpc_program_are_paid_per_click(http: aiohttp.ClientSession) -> None:
    org = await new_org(plan="Pro", status="Active", currency="EUR")
    link = await tracked_link(http, org, defaultCommissionModel="Cpc",
                              defaultCommissionType="Fixed", defaultCommissionValue=0.25)
    landing = {"landingUrl": f"https://brand.example/?via={link.slug}"}
    for _ in range(4):
        assert (await post_click(http, landing, ua=IPHONE))["counted"] is True
    for _ in range(3):
        assert (await post_click(http, landing, ua=GOOGLEBOT))["counted"] is False
    await click_rows(link.slug, 7)

    async def rewards() -> list[dict[str, Any]]:
        page = await get_page(http, org, CONVERSIONS, affiliateId=link.affiliate_id)
        return list(page["items"])

    async def paid_for_all() -> list[dict[str, Any]] | None:
        found = await rewards()
        return found if sum(c["commissionCents"] for c in found) >= 100 else None

    items = await eventually(paid_for_all, timeout=20, what="4 clicks paid as ClickRewards")
    await asyncio.sleep(3)  # a bucket closed later (bots, a repeat) would show up by now
    assert await rewards() == items
    assert sum(c["commissionCents"] for c in items) == 4 * 25
    for c in items:
        assert (c["type"], c["attributionMethod"], c["status"], c["amountCents"],
                c["currency"], c["programId"]) == (
            "ClickReward", "cpc_aggregation", "Pending", 0, "EUR", link.program_id)
        assert c["externalEventId"].startswith("cpc:")
