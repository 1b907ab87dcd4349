"""Payout runs over the API, and the set-up they need: approved commissions booked through
signed S2S sales (approved at once instead of after the org's grace days), and reads of what
the ledger holds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from libs.shared.db import connect
from libs.shared.settings import Settings
from tests.common.orgs import Org
from tests.common.s2s import Seller, post_signed, sale
from tests.common.waiting import eventually

PAYOUTS = "/api/v1/payouts"


def period(**body: Any) -> dict[str, Any]:
    """A selection covering yesterday to tomorrow (UTC): every sale booked by the test."""
    today = datetime.now(UTC).date()
    return {"method": "Manual", "affiliateIds": None,
            "periodStart": (today - timedelta(days=1)).isoformat(),
            "periodEnd": (today + timedelta(days=1)).isoformat(), **body}


async def ledger_sql(sql: str, *args: Any) -> Any:
    conn = await connect(Settings().database_url, "ledger")
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def approve(*conversion_ids: str) -> None:
    """Approved now, as the lifecycle job would after the grace days."""
    done = await ledger_sql(
        "UPDATE conversions SET status = 'Approved' WHERE id = ANY($1::uuid[]) "
        "AND status = 'Pending' RETURNING id", [uuid.UUID(c) for c in conversion_ids])
    assert len(done) == len(conversion_ids)


async def approved_sale(http: aiohttp.ClientSession, s: Seller, *, slug: str | None = None,
                        **overrides: Any) -> dict[str, Any]:
    """A signed sale booked and approved; the conversion as the API shows it then."""
    status, made = await post_signed(http, s.org, sale(slug or s.slug, **overrides))
    assert status == 200, made
    await approve(made["conversionId"])
    return await conversion(http, s.org, made["conversionId"])


async def conversion(http: aiohttp.ClientSession, org: Org, conversion_id: str
                     ) -> dict[str, Any]:
    async with http.get(f"/api/v1/conversions/{conversion_id}", headers=org.auth) as response:
        body: dict[str, Any] = await response.json()
        assert response.status == 200, body
    return body


async def payout_call(http: aiohttp.ClientSession, org: Org, path: str, body: Any = None,
                      *, method: str = "POST", headers: dict[str, str] | None = None
                      ) -> tuple[int, Any]:
    async with http.request(method, PAYOUTS + path, json=body,
                            headers={**org.auth, **(headers or {})}) as response:
        return response.status, await response.json(content_type=None)


async def preview(http: aiohttp.ClientSession, org: Org, **body: Any) -> dict[str, Any]:
    status, answer = await payout_call(http, org, "/preview", period(**body))
    assert status == 200, answer
    assert isinstance(answer, dict)
    return answer


async def run(http: aiohttp.ClientSession, org: Org, confirm: int, **body: Any
              ) -> list[dict[str, Any]]:
    status, answer = await payout_call(http, org, "/run",
                                       period(confirmTotalCents=confirm, **body))
    assert status == 200, answer
    assert isinstance(answer, list)
    return answer


async def statuses_become(http: aiohttp.ClientSession, org: Org, conversion_ids: list[str],
                          status: str) -> None:
    async def probe() -> bool | None:
        for cid in conversion_ids:
            if (await conversion(http, org, cid))["status"] != status:
                return None
        return True

    await eventually(probe, what=f"{len(conversion_ids)} conversions {status}")
