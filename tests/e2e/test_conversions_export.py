"""The conversions CSV export over HTTP: exact header, filters and until (the list honours
``until`` the same way), formula-injection hardening, the audit row, tenant isolation, and the
row cap (on an extra gateway with a low cap and small pages, so the cap and the page-by-page
streaming are both exercised)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from libs.contracts.conversion_imports import EXPORT_COLUMNS
from libs.shared.settings import Settings
from tests.common.affiliates_api import get_page
from tests.common.api import audit_page, expect_error
from tests.common.conversion_imports import CONVERSIONS, EXPORT, Brand, brand, conv, imported
from tests.common.orgs import new_key, new_org
from tests.common.stack import Stack, extra_gateways, wait_ready
from tests.common.waiting import eventually

HEADER = ("id,affiliate_id,program_id,amount_cents,currency,commission_cents,status,type,"
          "external_event_id,created_at,refunded_at,attribution_method,coupon_code")
CAP = 3


async def export(http: aiohttp.ClientSession, headers: dict[str, str], base: str = "",
                 **params: str) -> tuple[aiohttp.ClientResponse, list[dict[str, str]]]:
    async with http.get(base + EXPORT, params=params, headers=headers) as response:
        text = await response.text()
        assert response.status == 200, text
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert text.split("\r\n", 1)[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    return response, rows


async def seeded(http: aiohttp.ClientSession) -> tuple[Brand, list[dict[str, Any]]]:
    """Five imported conversions, one per day from 2025-01-01, the last credited to Sam."""
    b = await brand(http)
    rows = [conv(b, 0, paid=True), conv(b, 1), conv(b, 2, externalId="=HYPERLINK(\"x\")"),
            conv(b, 3, externalId="@SUM(1)"),
            conv(b, 4, affiliateEmail=None, affiliateSlug=b.sam_slug)]
    job = await imported(http, b, rows)
    assert job["imported"] == 5
    return b, rows


async def test_header_rows_and_formula_cells(http: aiohttp.ClientSession) -> None:
    b, _ = await seeded(http)
    response, rows = await export(http, b.org.auth)
    assert response.headers["X-Rekomi-Truncated"] == "false"
    assert "X-Request-Id" in response.headers
    assert [r["created_at"] for r in rows] == [f"2025-01-0{d}T00:00:00Z" for d in range(1, 6)]
    assert [r["external_event_id"] for r in rows] == [
        "src-0", "src-1", "'=HYPERLINK(\"x\")", "'@SUM(1)", "src-4"]
    first = rows[0]
    assert list(first) == list(EXPORT_COLUMNS)
    assert {k: first[k] for k in ("amount_cents", "currency", "commission_cents", "status",
                                  "type", "refunded_at", "attribution_method", "coupon_code",
                                  "affiliate_id", "program_id")} == {
        "amount_cents": "10000", "currency": "USD", "commission_cents": "2500",
        "status": "Paid", "type": "OneTime", "refunded_at": "", "attribution_method": "import",
        "coupon_code": "", "affiliate_id": b.alex["id"], "program_id": b.program["id"]}


async def test_filters_and_until(http: aiohttp.ClientSession) -> None:
    b, _ = await seeded(http)
    auth = b.org.auth

    async def ids(**params: str) -> list[str]:
        return [r["external_event_id"] for r in (await export(http, auth, **params))[1]]

    assert await ids(affiliateId=b.sam["id"]) == ["src-4"]
    assert await ids(status="Paid") == ["src-0"]
    assert len(await ids(programId=b.program["id"])) == 5
    assert await ids(since="2025-01-04T00:00:00Z") == ["'@SUM(1)", "src-4"]
    assert await ids(until="2025-01-02T00:00:00Z") == ["src-0"]  # until is exclusive
    assert await ids(since="2025-01-02", until="2025-01-03") == ["src-1"]
    for params, name in (({"until": "soon"}, "until"), ({"status": "Lost"}, "status"),
                         ({"affiliateId": "x"}, "affiliateId")):
        async with http.get(EXPORT, params=params, headers=auth) as response:
            await expect_error(response, 400, "validation_failed", name)


async def test_tenant_isolation_and_gates(http: aiohttp.ClientSession) -> None:
    mine, _ = await seeded(http)
    theirs = await brand(http)
    assert (await export(http, theirs.org.auth))[1] == []
    assert (await export(http, theirs.org.auth, affiliateId=mine.alex["id"]))[1] == []
    assert (await export(http, theirs.org.auth, programId=mine.program["id"]))[1] == []
    reader = await new_key(mine.org, "read")
    assert len((await export(http, reader))[1]) == 5
    async with http.get(EXPORT) as response:
        await expect_error(response, 401, "unauthorized")
    trial = await new_org(plan="Trial")
    async with http.get(EXPORT, headers=trial.auth) as response:
        await expect_error(response, 402, "plan_tier_required",
                           extra=frozenset({"required", "current", "trialing"}))


async def test_each_export_writes_one_audit_row(http: aiohttp.ClientSession) -> None:
    b, _ = await seeded(http)
    await export(http, b.org.auth, status="Pending", until="2025-02-01T00:00:00Z")

    async def audited() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = (await audit_page(
            http, b.org, action="conversions.exported"))["items"]
        return items or None

    [entry] = await eventually(audited, what="conversions.exported audit row")
    assert entry["actorType"] == "api_key" and entry["entityType"] == "conversion_export"
    after = json.loads(entry["after"])
    assert after == {"filters": {"status": "Pending", "until": "2025-02-01T00:00:00Z"},
                     "rowCount": 4, "truncated": False, "complete": True}


@pytest.fixture
def capped_gateway(stack: Stack) -> Iterator[str]:
    """A second gateway on the session stack's bus with a cap of 3 rows and pages of 2."""
    with extra_gateways([Settings().gateway_port + 57], {
            "REKOMI_CONVERSIONS_EXPORT_MAX_ROWS": str(CAP),
            "REKOMI_CONVERSIONS_EXPORT_PAGE_ROWS": "2",
            "REKOMI_RATE_LIMIT_PER_MINUTE": "100000"}) as [base]:
        yield base


async def test_the_cap_truncates_and_says_so(http: aiohttp.ClientSession,
                                             capped_gateway: str) -> None:
    b, _ = await seeded(http)
    await wait_ready(http, capped_gateway)
    response, rows = await export(http, b.org.auth, base=capped_gateway)
    assert response.headers["X-Rekomi-Truncated"] == "true"
    assert [r["created_at"][:10] for r in rows] == ["2025-01-01", "2025-01-02", "2025-01-03"]
    # Exactly the cap is not truncated; fewer pages than the cap stream whole.
    response, rows = await export(http, b.org.auth, base=capped_gateway,
                                  since="2025-01-03T00:00:00Z")
    assert response.headers["X-Rekomi-Truncated"] == "false" and len(rows) == CAP
    response, rows = await export(http, b.org.auth, base=capped_gateway, status="Pending")
    assert response.headers["X-Rekomi-Truncated"] == "true" and len(rows) == CAP
    assert all(r["status"] == "Pending" for r in rows)


async def test_the_list_honours_until_as_the_export_does(http: aiohttp.ClientSession) -> None:
    """The same filters give the same rows from the list (every page) and from the export:
    ``until`` exclusive, ``since`` inclusive, a date meaning its midnight UTC."""
    b, _ = await seeded(http)

    async def listed(**params: str) -> list[str]:
        ids, cursor = [], None
        while True:
            page = await get_page(http, b.org, CONVERSIONS, take="2", **params,
                                  **({"cursor": cursor} if cursor else {}))
            ids += [c["externalEventId"] for c in page["items"]]
            if (cursor := page["nextCursor"]) is None:
                return ids

    async def exported(**params: str) -> list[str]:
        return [r["external_event_id"] for r in (await export(http, b.org.auth, **params))[1]]

    assert await listed(until="2025-01-02T00:00:00Z") == ["src-0"]  # until is exclusive
    assert await listed(until="2025-01-02T00:00:00.000001Z") == ["src-0", "src-1"]
    assert await listed(since="2025-01-02", until="2025-01-03") == ["src-1"]
    assert await listed(until="2025-01-04", status="Pending") == ["src-1", '=HYPERLINK("x")']
    for params in ({"until": "2025-01-04"}, {"since": "2025-01-02", "until": "2025-01-05"},
                   {"until": "2025-01-05T00:00:00+01:00"}, {"until": "2025-01-01"},
                   {"until": "2025-01-05", "affiliateId": b.alex["id"]}):
        assert [e.lstrip("'") for e in await exported(**params)] == await listed(**params)
    async with http.get(CONVERSIONS, params={"until": "soon"}, headers=b.org.auth) as response:
        await expect_error(response, 400, "validation_failed", "until")
