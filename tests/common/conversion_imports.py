"""Helpers for the conversions import and export end-to-end tests: a brand with a program and
two affiliates, import rows, the calls, and reading what the ledger stored.

The stack's ``import`` rate policy allows 6 import/preview calls a minute per key: each test
uses its own org (and ``new_key`` when it needs more calls)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg

from tests.common.affiliate_imports import ledger_fetch
from tests.common.affiliates_api import create_affiliate
from tests.common.api import create_program
from tests.common.orgs import Org, new_org

IMPORT = "/api/v1/conversions/import"
PREVIEW = "/api/v1/conversions/import/preview"
EXPORT = "/api/v1/conversions/export.csv"
CONVERSIONS = "/api/v1/conversions"
JOB_KEYS = frozenset({"jobId", "status", "kind", "total", "imported", "skipped", "errored",
                      "unpaidConfirmedCents", "confirmUnpaidPayout", "excludePaid", "reasons"})
PREVIEW_KEYS = frozenset({"rowsTotal", "wouldImport", "wouldSkip", "wouldError", "skipReasons",
                          "paidBalance", "unpaidBalance"})


@dataclass
class Brand:
    org: Org
    program: dict[str, Any]
    alex: dict[str, Any]  # found by email
    sam: dict[str, Any]  # found by link slug

    @property
    def sam_slug(self) -> str:
        slug: str = self.sam["links"][0]["slug"]
        return slug


async def brand(http: aiohttp.ClientSession, plan: str = "Pro") -> Brand:
    org = await new_org(plan=plan)
    program = await create_program(http, org)
    alex = await create_affiliate(http, org, program["id"],
                                  email=f"alex-{uuid.uuid4().hex[:8]}@example.com")
    sam = await create_affiliate(http, org, program["id"])
    return Brand(org, program, alex, sam)


def conv(brand: Brand, n: int = 0, **fields: Any) -> dict[str, Any]:
    """A valid row crediting Alex: 100.00 USD, 25.00 commission, unpaid, January 2025."""
    row: dict[str, Any] = {"affiliateEmail": brand.alex["email"], "amountCents": 10000,
                           "commissionCents": 2500, "currency": "USD",
                           "occurredAt": f"2025-01-{n % 28 + 1:02d}T00:00:00Z",
                           "externalId": f"src-{n}"}
    row.update(fields)
    return row


async def post(http: aiohttp.ClientSession, path: str, brand: Brand, rows: list[dict[str, Any]],
               headers: dict[str, str] | None = None, **extra: Any) -> aiohttp.ClientResponse:
    body = {"programId": brand.program["id"], "conversions": rows, **extra}
    response = await http.post(path, json=body, headers=headers or brand.org.auth)
    await response.read()
    return response


async def imported(http: aiohttp.ClientSession, brand: Brand, rows: list[dict[str, Any]],
                   **extra: Any) -> dict[str, Any]:
    response = await post(http, IMPORT, brand, rows, **extra)
    body: dict[str, Any] = await response.json()
    assert response.status == 200, body
    assert set(body) == JOB_KEYS, body
    return body


async def previewed(http: aiohttp.ClientSession, brand: Brand, rows: list[dict[str, Any]],
                    **extra: Any) -> dict[str, Any]:
    response = await post(http, PREVIEW, brand, rows, **extra)
    body: dict[str, Any] = await response.json()
    assert response.status == 200, body
    assert set(body) == PREVIEW_KEYS, body
    return body


async def stored(org: Org) -> list[asyncpg.Record]:
    """The org's conversions as the ledger keeps them, oldest first."""
    return await ledger_fetch(
        "SELECT * FROM ledger.conversions WHERE org_id = $1 ORDER BY created_at, id",
        uuid.UUID(org.org_id))


async def jobs(org: Org) -> list[asyncpg.Record]:
    return await ledger_fetch("SELECT * FROM ledger.migration_jobs WHERE org_id = $1",
                              uuid.UUID(org.org_id))
