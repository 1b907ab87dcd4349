"""The ledger's copy of org settings over the whole stack: an org created with the admin command
shows up in ``ledger.org_settings`` (org.settings_changed through the gateway's outbox and
relay), a home-currency change over HTTP moves the copy, re-announcing every org with
``rekomi admin publish-org-settings`` leaves copies as they are, and a CPC bucket of an org
whose copy is missing is parked until the ledger has pulled the copy from the gateway."""

from __future__ import annotations

import uuid
from datetime import datetime

import aiohttp
import asyncpg

from libs.shared.settings import Settings
from tests.common.affiliates_api import call, get_page
from tests.common.orgs import Org, new_org
from tests.common.stack import rekomi_json
from tests.common.tracking_api import IPHONE, click_rows, db_fetch, post_click, tracked_link
from tests.common.waiting import eventually

Copy = tuple[str, int, datetime]


async def ledger_copy(org: Org) -> Copy | None:
    conn = await asyncpg.connect(Settings().database_url)
    try:
        row = await conn.fetchrow(
            "SELECT home_currency, payout_grace_days, updated_at FROM ledger.org_settings "
            "WHERE org_id = $1", uuid.UUID(org.org_id))
    finally:
        await conn.close()
    return (row["home_currency"], row["payout_grace_days"], row["updated_at"]) if row else None


async def copy_in(org: Org, currency: str) -> Copy:
    async def probe() -> Copy | None:
        found = await ledger_copy(org)
        return found if found is not None and found[0] == currency else None
    return await eventually(probe, what=f"ledger copy in {currency}")


async def test_a_new_org_reaches_the_ledgers_copy(http: aiohttp.ClientSession) -> None:
    org = await new_org(plan="Pro", status="Active", currency="CHF")
    _currency, grace, _version = await copy_in(org, "CHF")
    assert grace == 30


async def test_a_home_currency_change_moves_the_copy(http: aiohttp.ClientSession,
                                                     org: Org) -> None:
    *_, created = await copy_in(org, "USD")
    await call(http, "PUT", "/api/v1/settings/home-currency", org, {"homeCurrency": "JPY"})
    _currency, grace, changed = await copy_in(org, "JPY")
    assert (grace, changed > created) == (30, True)


async def test_publishing_every_org_again_changes_no_copy(http: aiohttp.ClientSession,
                                                          org: Org) -> None:
    await call(http, "PUT", "/api/v1/settings/home-currency", org, {"homeCurrency": "EUR"})
    before = await copy_in(org, "EUR")
    result = rekomi_json("admin", "publish-org-settings")
    assert result["orgsAnnounced"] >= 1
    other = await new_org()  # announced after the re-announcements: once it is copied, they are
    await copy_in(other, "USD")
    assert await ledger_copy(org) == before


async def test_a_bucket_of_an_org_without_copy_is_booked_once_the_ledger_pulled_it(
        http: aiohttp.ClientSession) -> None:
    org = await new_org(plan="Pro", status="Active", currency="GBP")
    await copy_in(org, "GBP")
    # As if its event had left before the ledger's queue existed (a first start).
    await db_fetch("DELETE FROM ledger.org_settings WHERE org_id = $1", uuid.UUID(org.org_id))
    link = await tracked_link(http, org, defaultCommissionModel="Cpc",
                              defaultCommissionType="Fixed", defaultCommissionValue=0.5)
    landing = {"landingUrl": f"https://brand.example/?via={link.slug}"}
    for _ in range(2):
        assert (await post_click(http, landing, ua=IPHONE))["counted"] is True
    await click_rows(link.slug, 2)

    async def booked() -> list[dict[str, object]] | None:
        page = await get_page(http, org, "/api/v1/conversions", affiliateId=link.affiliate_id)
        return list(page["items"]) or None
    [reward] = await eventually(booked, timeout=20, what="parked bucket booked")
    assert (reward["currency"], reward["commissionCents"]) == ("GBP", 100)
    assert await ledger_copy(org) is not None
