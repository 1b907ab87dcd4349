"""Historical conversion import over HTTP: the preview answers exactly what the import writes,
re-running never books twice, paid/unpaid money safety, invalid rows write nothing, and the
shared import safeguards (409 while another import runs, 404 for another org's program)."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import aiohttp
import asyncpg

from libs.shared.settings import Settings
from services.ledger.imports.adapters.repository import import_lock_key
from tests.common.affiliate_imports import published
from tests.common.affiliates_api import get_page
from tests.common.api import audit_page, expect_error
from tests.common.conversion_imports import (
    CONVERSIONS,
    IMPORT,
    PREVIEW,
    Brand,
    brand,
    conv,
    imported,
    jobs,
    post,
    previewed,
    stored,
)
from tests.common.events import EventRecorder
from tests.common.orgs import new_key
from tests.common.stack import rekomi_json
from tests.common.waiting import eventually


def mixed(b: Brand) -> list[dict[str, Any]]:
    """Two paid and two unpaid rows that import, one in EUR, one by slug, and three that
    cannot (duplicate in the batch, unknown affiliate, duplicate by content)."""
    return [
        conv(b, 0, paid=True, commissionCents=2500, stripeCustomerId="cus_A",
             stripeSubscriptionId="sub_A", customerEmail="Buyer@Example.com",
             customerName="Buyer One", type="Recurring"),
        conv(b, 1, paid=False, commissionCents=5000),
        conv(b, 2, paid=False, commissionCents=700, currency="EUR", affiliateEmail=None,
             affiliateSlug=b.sam_slug.upper()),
        conv(b, 3, paid=True, commissionCents=100, externalId=None),
        conv(b, 1, paid=False, commissionCents=5000),  # same externalId as row 1
        conv(b, 4, affiliateEmail="stranger@example.com"),
        conv(b, 3, paid=True, commissionCents=100, externalId=None),  # same content as row 3
    ]


async def test_preview_matches_the_import_and_a_rerun_imports_nothing(
        http: aiohttp.ClientSession) -> None:
    b = await brand(http)
    rows = mixed(b)
    preview = await previewed(http, b, rows)
    assert preview == {
        "rowsTotal": 7, "wouldImport": 4, "wouldSkip": 3, "wouldError": 0,
        "skipReasons": {"affiliate_not_found": 1, "duplicate_in_batch": 2},
        "paidBalance": [{"currency": "USD", "commissionCents": 2600, "count": 2}],
        "unpaidBalance": [{"currency": "EUR", "commissionCents": 700, "count": 1},
                          {"currency": "USD", "commissionCents": 5000, "count": 1}]}
    assert await stored(b.org) == [] and await jobs(b.org) == []  # the preview wrote nothing

    job = await imported(http, b, rows)
    assert job["status"] == "Completed" and job["kind"] == "Conversions"
    assert (job["total"], job["imported"], job["skipped"], job["errored"]) == (7, 4, 3, 0)
    assert job["reasons"] == preview["skipReasons"]
    assert job["unpaidConfirmedCents"] == 0
    assert job["confirmUnpaidPayout"] is False and job["excludePaid"] is False

    booked = await stored(b.org)
    assert len(booked) == 4
    assert Counter((r["status"], r["locked"]) for r in booked) == {("Paid", True): 2,
                                                                   ("Pending", True): 2}
    assert all(r["import_job_id"] == uuid.UUID(job["jobId"]) for r in booked)
    assert all(r["approve_after"] is None for r in booked)  # the approval job never frees them
    page = await get_page(http, b.org, CONVERSIONS)
    first = page["items"][0]
    assert first["createdAt"] == "2025-01-01T00:00:00Z" and first["type"] == "Recurring"
    assert first["stripeCustomerId"] == "cus_A" and first["stripeSubscriptionId"] == "sub_A"
    assert first["externalEventId"] == "src-0" and first["attributionMethod"] == "import"
    assert (booked[0]["customer_email"], booked[0]["customer_name"]) == ("buyer@example.com",
                                                                         "Buyer One")
    by_slug = [c for c in page["items"] if c["currency"] == "EUR"]
    assert [c["affiliateId"] for c in by_slug] == [b.sam["id"]]
    async with http.get(f"{CONVERSIONS}/{first['id']}", headers=b.org.auth) as response:
        detail = await response.json()
    assert [e["eventType"] for e in detail["events"]] == ["initial"]

    again = await imported(http, b, rows)
    assert (again["imported"], again["skipped"]) == (0, 7)
    assert again["reasons"] == {"already_imported": 4, "affiliate_not_found": 1,
                                "duplicate_in_batch": 2}
    assert len(await stored(b.org)) == 4
    after = await previewed(http, b, rows)
    assert after["wouldImport"] == 0 and after["skipReasons"] == again["reasons"]
    # Re-sending an unpaid row as paid is still the same sale: never booked (or paid) twice.
    flipped = await imported(http, b, [conv(b, 1, paid=True, commissionCents=5000)])
    assert flipped["reasons"] == {"already_imported": 1}


async def test_confirm_unpaid_payout_makes_exactly_the_previewed_balance_payable(
        http: aiohttp.ClientSession) -> None:
    b = await brand(http)
    rows = mixed(b)
    preview = await previewed(http, b, rows)
    job = await imported(http, b, rows, confirmUnpaidPayout=True)
    assert job["confirmUnpaidPayout"] is True
    assert job["unpaidConfirmedCents"] == sum(x["commissionCents"]
                                              for x in preview["unpaidBalance"]) == 5700
    booked = await stored(b.org)
    payable = [r for r in booked if r["status"] == "Approved"]
    assert all(not r["locked"] and r["approved_at"] is not None for r in payable)
    assert sorted((r["currency"], r["commission_cents"]) for r in payable) == [("EUR", 700),
                                                                               ("USD", 5000)]
    assert all(r["locked"] for r in booked if r["status"] == "Paid")
    [row] = await jobs(b.org)
    assert (row["confirm_unpaid_payout"], row["unpaid_confirmed_cents"]) == (True, 5700)


async def test_exclude_paid_skips_paid_rows_in_preview_and_import(
        http: aiohttp.ClientSession) -> None:
    b = await brand(http)
    rows = mixed(b)
    preview = await previewed(http, b, rows, excludePaid=True)
    assert preview["paidBalance"] == [] and preview["wouldImport"] == 2
    assert preview["skipReasons"] == {"excluded_paid": 3, "affiliate_not_found": 1,
                                      "duplicate_in_batch": 1}
    job = await imported(http, b, rows, excludePaid=True)
    assert job["imported"] == preview["wouldImport"] and job["excludePaid"] is True
    assert job["reasons"] == preview["skipReasons"]
    assert {r["status"] for r in await stored(b.org)} == {"Pending"}


async def test_invalid_rows_are_400_and_write_nothing(http: aiohttp.ClientSession) -> None:
    b = await brand(http)
    rows = [conv(b, 0), conv(b, 1, amountCents=-1), conv(b, 2, commissionCents=10**9),
            conv(b, 3, currency="XYZ"), conv(b, 4, occurredAt=None),
            conv(b, 5, type="Bonus"), conv(b, 6, affiliateEmail=None),
            conv(b, 7, occurredAt="not a date")]
    expected = [{"index": 1, "error": "amount_out_of_range"},
                {"index": 2, "error": "commission_out_of_range"},
                {"index": 3, "error": "unsupported_currency"},
                {"index": 4, "error": "occurred_at_required"},
                {"index": 5, "error": "invalid_type"},
                {"index": 6, "error": "affiliate_email_or_slug_required"},
                {"index": 7, "error": "invalid_occurred_at"}]
    for path in (PREVIEW, IMPORT):
        response = await post(http, path, b, rows)
        body = await expect_error(response, 400, "invalid_rows", "conversions",
                                  extra=frozenset({"errors"}))
        assert body["errors"] == expected
    assert await stored(b.org) == [] and await jobs(b.org) == []


async def test_malformed_requests_are_400(http: aiohttp.ClientSession) -> None:
    b = await brand(http)
    response = await post(http, IMPORT, b, [conv(b)] * 1001)
    await expect_error(response, 400, "row_cap_exceeded", "conversions")
    response = await post(http, IMPORT, b, [conv(b, typo=1)])
    await expect_error(response, 400, "validation_failed", "conversions.0.typo")
    response = await post(http, PREVIEW, b, [conv(b, paid="yes")])
    await expect_error(response, 400, "validation_failed", "conversions.0.paid")
    assert await jobs(b.org) == []


async def test_another_orgs_program_is_404(http: aiohttp.ClientSession) -> None:
    mine, theirs = await brand(http), await brand(http)
    for path in (PREVIEW, IMPORT):
        response = await http.post(path, headers=theirs.org.auth, json={
            "programId": mine.program["id"], "conversions": [conv(mine)]})
        await expect_error(response, 404, "program_not_found", "programId")
    # Their affiliates are not found from my program either.
    job = await imported(http, mine, [conv(mine, affiliateEmail=theirs.alex["email"],
                                           affiliateSlug=theirs.sam_slug)])
    assert job["reasons"] == {"affiliate_not_found": 1}
    assert await stored(mine.org) == [] and await stored(theirs.org) == []


async def test_one_import_per_org_at_a_time(http: aiohttp.ClientSession) -> None:
    b, other = await brand(http), await brand(http)
    conn = await asyncpg.connect(Settings().database_url)
    try:
        async with conn.transaction():  # what a running import (of any kind) holds
            await conn.execute("SELECT pg_advisory_xact_lock($1)",
                               import_lock_key(uuid.UUID(b.org.org_id)))
            response = await post(http, IMPORT, b, [conv(b)])
            await expect_error(response, 409, "migration_already_in_progress")
            assert (await previewed(http, b, [conv(b)]))["wouldImport"] == 1  # reads only
            assert (await imported(http, other, [conv(other)]))["imported"] == 1
    finally:
        await conn.close()
    assert await stored(b.org) == []
    assert (await imported(http, b, [conv(b)]))["imported"] == 1


async def test_no_webhook_events_one_audit_row_and_scope(
        http: aiohttp.ClientSession, published_events: EventRecorder) -> None:
    b = await brand(http)
    job = await imported(http, b, [conv(b, 0), conv(b, 1)])
    assert await published(published_events, b.org, "conversion.created", 0) == 0

    async def audited() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = (await audit_page(
            http, b.org, action="conversions.imported"))["items"]
        return items or None

    [entry] = await eventually(audited, what="conversions.imported audit row")
    assert entry["entityType"] == "migration_job" and entry["entityId"] == job["jobId"]
    reader = await new_key(b.org, "read")
    response = await post(http, IMPORT, b, [conv(b, 2)], headers=reader)
    await expect_error(response, 403, "insufficient_scope")


async def test_revert_removes_exactly_what_the_job_created(http: aiohttp.ClientSession) -> None:
    b = await brand(http)
    first = await imported(http, b, [conv(b, 0)])
    second = await imported(http, b, [conv(b, 1), conv(b, 2, paid=True)],
                            confirmUnpaidPayout=True)
    done = rekomi_json("admin", "revert-import", "--job", second["jobId"])
    assert done["status"] == "Reverted" and done["removedConversions"] == 2
    left = await stored(b.org)
    assert [r["import_job_id"] for r in left] == [uuid.UUID(first["jobId"])]
    again = rekomi_json("admin", "revert-import", "--job", second["jobId"])
    assert again["alreadyReverted"] is True
    # The reverted rows may be imported again (a fresh job books them once more).
    assert (await imported(http, b, [conv(b, 1), conv(b, 2, paid=True)]))["imported"] == 2
