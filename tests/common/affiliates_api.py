"""The affiliates API over HTTP as tests call it, and the stored-only affiliate fields."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp

from libs.shared.db import connect
from libs.shared.settings import Settings
from tests.common.orgs import Org

AFFILIATES = "/api/v1/affiliates"
APPLICATIONS = f"{AFFILIATES}/applications"
BULK = f"{AFFILIATES}/bulk-action"
AFFILIATE_KEYS = frozenset({
    "id", "programId", "email", "fullName", "status", "customCommissionType",
    "customCommissionValue", "tags", "notes", "source", "appliedAt", "approvedAt", "createdAt",
    "links",
})
LINK_KEYS = frozenset({"id", "affiliateId", "slug", "customAlias", "isDefault", "format",
                       "createdAt"})
# Never in an API-key response, under any spelling.
SECRET_KEYS = frozenset({"applicationData", "paypalEmail", "clerkUserId",
                         "stripeConnectAccountId", "taxFormStatus", "kycStatus",
                         "rejectionReason", "deletedAt", "orgId"})


async def call(http: aiohttp.ClientSession, method: str, path: str, org: Org,
               body: Any = None, expect: int = 200) -> Any:
    """One API call that must answer ``expect``; returns the JSON body."""
    async with http.request(method, path, json=body, headers=org.auth) as response:
        data = await response.json(content_type=None)
        assert response.status == expect, (method, path, response.status, data)
    return data


async def get_page(http: aiohttp.ClientSession, org: Org, path: str = AFFILIATES,
                   **params: str) -> dict[str, Any]:
    """One page of a list, which must answer 200."""
    async with http.get(path, params=params, headers=org.auth) as response:
        page: dict[str, Any] = await response.json()
        assert response.status == 200, page
    assert set(page) == {"items", "nextCursor", "hasMore"}, page
    return page


def affiliate_body(program_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"programId": program_id,
                            "email": f"aff-{uuid.uuid4().hex[:10]}@example.com"}
    body.update(overrides)
    return body


async def create_affiliate(http: aiohttp.ClientSession, org: Org, program_id: str,
                           **overrides: Any) -> dict[str, Any]:
    created: dict[str, Any] = await call(http, "POST", AFFILIATES, org,
                                         affiliate_body(program_id, **overrides), expect=201)
    return created


async def get_affiliate(http: aiohttp.ClientSession, org: Org, affiliate_id: str
                        ) -> dict[str, Any]:
    found: dict[str, Any] = await call(http, "GET", f"{AFFILIATES}/{affiliate_id}", org)
    return found


async def list_ids(http: aiohttp.ClientSession, org: Org, path: str = AFFILIATES,
                   **params: str) -> list[str]:
    """The ids of one page of at most 200 (the tests stay below that)."""
    page = await get_page(http, org, path, take="200", **params)
    assert page["hasMore"] is False and page["nextCursor"] is None, page
    return [item["id"] for item in page["items"]]


async def bulk(http: aiohttp.ClientSession, org: Org, action: str, ids: list[str]
               ) -> dict[str, Any]:
    result: dict[str, Any] = await call(http, "POST", BULK, org,
                                        {"affiliateIds": ids, "action": action})
    return result


async def set_private_fields(affiliate_id: str) -> None:
    """Fill the stored-only columns the API can never set (an applicant's form answers, a
    payout email), to prove that API-key responses leave them out."""
    conn = await connect(Settings().database_url, "ledger")
    try:
        done = await conn.execute(
            "UPDATE affiliates SET application_data = $2::jsonb, paypal_email = $3, "
            "rejection_reason = $4 WHERE id = $1", uuid.UUID(affiliate_id),
            '{"why": "my audience"}', "payme@example.com", "internal reason")
    finally:
        await conn.close()
    assert done == "UPDATE 1"
