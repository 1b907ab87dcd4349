"""The conversions API over HTTP: list filters and cursor, get with events (a renewal's own,
its subscription's on the initial sale), tenant isolation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from libs.shared.db import connect
from libs.shared.settings import Settings
from tests.common.affiliates_api import create_affiliate, get_page
from tests.common.api import expect_error
from tests.common.events import EventRecorder
from tests.common.s2s import (
    CONVERSION_EVENT_KEYS,
    CONVERSIONS,
    get_conversion,
    post_signed,
    renew,
    sale,
    seller,
    subscribe,
    timeline,
)
from tests.common.waiting import eventually
from tests.e2e.test_s2s_lifecycle import refund_of, refunded

CONVERSION_KEYS = frozenset({
    "id", "affiliateId", "programId", "amountCents", "currency", "commissionCents", "status",
    "type", "stripeSubscriptionId", "stripeCustomerId", "externalEventId", "createdAt",
    "refundedAt", "attributionMethod", "couponCode", "parentAffiliateConversionId"})


async def test_list_filters_and_cursor(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    second = await create_affiliate(http, s.org, s.program["id"])
    ids = []
    for slug in (s.slug, s.slug, second["links"][0]["slug"]):
        _, made = await post_signed(http, s.org, sale(slug))
        ids.append(made["conversionId"])
    page = await get_page(http, s.org, CONVERSIONS)
    assert [c["id"] for c in page["items"]] == ids
    assert all(set(c) == CONVERSION_KEYS for c in page["items"])
    first = await get_page(http, s.org, CONVERSIONS, take="2")
    assert first["hasMore"] is True and [c["id"] for c in first["items"]] == ids[:2]
    rest = await get_page(http, s.org, CONVERSIONS, take="2", cursor=first["nextCursor"])
    assert [c["id"] for c in rest["items"]] == ids[2:] and rest["hasMore"] is False
    by_affiliate = await get_page(http, s.org, CONVERSIONS, affiliateId=second["id"])
    assert [c["id"] for c in by_affiliate["items"]] == ids[2:]
    assert len((await get_page(http, s.org, CONVERSIONS, programId=s.program["id"]))
               ["items"]) == 3
    assert (await get_page(http, s.org, CONVERSIONS, status="Approved"))["items"] == []
    assert len((await get_page(http, s.org, CONVERSIONS, status="Pending"))["items"]) == 3
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (await get_page(http, s.org, CONVERSIONS, since=future))["items"] == []
    assert len((await get_page(http, s.org, CONVERSIONS, since="2020-01-01"))["items"]) == 3


async def test_bad_queries_are_400(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    for params, field_name in (({"status": "Lost"}, "status"), ({"take": "0"}, "take"),
                               ({"cursor": "nope"}, "cursor"), ({"since": "yesterday"}, "since"),
                               ({"affiliateId": "x"}, "affiliateId")):
        async with http.get(CONVERSIONS, params=params, headers=s.org.auth) as response:
            await expect_error(response, 400, "validation_failed", field_name)


async def test_tenant_isolation(http: aiohttp.ClientSession) -> None:
    mine = await seller(http)
    theirs = await seller(http)
    _, made = await post_signed(http, mine.org, sale(mine.slug))
    assert (await get_page(http, theirs.org, CONVERSIONS))["items"] == []
    assert (await get_page(http, theirs.org, CONVERSIONS,
                           affiliateId=mine.affiliate["id"]))["items"] == []
    for conversion_id in (made["conversionId"], str(uuid.uuid4()), "not-a-uuid"):
        async with http.get(f"{CONVERSIONS}/{conversion_id}",
                            headers=theirs.org.auth) as response:
            assert response.status == 404, conversion_id
    got = await get_conversion(http, mine.org, made["conversionId"])
    assert set(got) == CONVERSION_KEYS | {"events"}
    async with http.get(CONVERSIONS) as response:
        await expect_error(response, 401, "unauthorized")


async def test_approved_after_the_orgs_grace_days(http: aiohttp.ClientSession) -> None:
    s = await seller(http)
    conn = await connect(Settings().database_url, "gateway")
    try:
        await conn.execute("UPDATE orgs SET payout_grace_days = 0 WHERE id = $1",
                           uuid.UUID(s.org.org_id))
        # As every write to orgs does: the gateways drop their cached org rows.
        await conn.execute("SELECT pg_notify('rekomi_gateway_keys', '')")
    finally:
        await conn.close()
    events = await EventRecorder.start(CONVERSION_EVENT_KEYS)
    try:
        _, zero = await post_signed(http, s.org, sale(s.slug))

        async def approved() -> dict[str, Any] | None:
            got = await get_conversion(http, s.org, zero["conversionId"])
            return got if got["status"] == "Approved" else None

        await eventually(approved, timeout=20, what="approval after 0 grace days")

        async def event() -> dict[str, Any] | None:
            return next((e for e in events.bodies if e["type"] == "conversion.approved"
                         and e["data"]["id"] == zero["conversionId"]), None)

        assert (await eventually(event, what="conversion.approved"))["data"]["status"] == \
            "Approved"
    finally:
        await events.stop()
    other = await seller(http)  # the default 30 days: still Pending
    _, pending = await post_signed(http, other.org, sale(other.slug))
    assert (await get_conversion(http, other.org, pending["conversionId"]))["status"] == \
        "Pending"


async def test_each_renewal_s_timeline_holds_its_own_events(http: aiohttp.ClientSession) -> None:
    """Two renewals of one subscription, the second refunded: each renewal shows its own events
    only; the initial sale shows the subscription's history, as the reference's example."""
    s = await seller(http)
    subscription, initial = await subscribe(http, s)
    first = await renew(http, s, subscription, initial, 5000)
    second = await renew(http, s, subscription, initial, 6000)
    status, _ = await post_signed(http, s.org, refund_of(second["externalEventId"]))
    assert status == 200
    await refunded(http, s, second["conversionId"])
    assert await timeline(http, s, first["conversionId"], 1) == [("renewal", 5000, 1000)]
    assert await timeline(http, s, second["conversionId"], 2) == [
        ("renewal", 6000, 1200), ("refund", -6000, -1200)]
    assert await timeline(http, s, initial, 4) == [
        ("initial", 10000, 2000), ("renewal", 5000, 1000), ("renewal", 6000, 1200),
        ("refund", -6000, -1200)]
    ids = {e["id"] for c in (initial, first["conversionId"], second["conversionId"])
           for e in (await get_conversion(http, s.org, c))["events"]}
    assert len(ids) == 4  # the renewals' events are the initial's, not copies
