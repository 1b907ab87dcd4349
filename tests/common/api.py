"""The public API over HTTP as tests call it: programs, the error envelope, the audit log."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import aiohttp
import asyncpg

from libs.shared.settings import Settings
from tests.common.orgs import Org

T = TypeVar("T")

PROGRAMS = "/api/v1/programs"
AUDIT_LOG = "/api/v1/audit-log"

PROGRAM_KEYS = frozenset({
    "id", "name", "slug", "description", "termsUrl", "isActive", "defaultCommissionType",
    "defaultCommissionValue", "defaultCommissionModel", "cookieWindowDays", "recurringMonths",
    "recurringDelayInvoices", "attributionModel", "autoApprove", "customDomain",
    "customDomainVerified", "networkVisibility", "isPubliclyDiscoverable", "createdAt",
    "updatedAt", "archivedAt",
    "requiresTaxForm",  # added: payouts wait for a tax form when true
    "maxAffiliates",  # added: the capacity behind the reference's `program_at_capacity`
    "commissionIncludesTax",  # added: a provider sale's tax earns commission when true
})
ENVELOPE_KEYS = frozenset({"error", "message", "field"})


def program_body(**overrides: Any) -> dict[str, Any]:
    """A valid ProgramCreate body with a unique name (so the derived slug never collides)."""
    body: dict[str, Any] = {"name": f"Program {uuid.uuid4().hex[:8]}",
                            "defaultCommissionType": "Percentage",
                            "defaultCommissionValue": 20}
    body.update(overrides)
    return body


async def create_program(http: aiohttp.ClientSession, org: Org, **overrides: Any
                         ) -> dict[str, Any]:
    async with http.post(PROGRAMS, json=program_body(**overrides), headers=org.auth) as response:
        body = await response.json()
        assert response.status == 201, body
    assert isinstance(body, dict)
    return body


async def get_program(http: aiohttp.ClientSession, org: Org, program_id: str
                      ) -> dict[str, Any]:
    async with http.get(f"{PROGRAMS}/{program_id}", headers=org.auth) as response:
        body = await response.json()
        assert response.status == 200, body
    assert isinstance(body, dict)
    return body


async def list_all(http: aiohttp.ClientSession, org: Org, *, include_archived: bool = False
                   ) -> list[dict[str, Any]]:
    params = {"take": "200"}
    if include_archived:
        params["includeArchived"] = "true"
    async with http.get(PROGRAMS, params=params, headers=org.auth) as response:
        body = await response.json()
        assert response.status == 200, body
    assert body["hasMore"] is False
    items: list[dict[str, Any]] = body["items"]
    return items


async def expect_error(response: aiohttp.ClientResponse, status: int, code: str,
                       field: str | None = None, *, extra: frozenset[str] = frozenset()
                       ) -> dict[str, Any]:
    """Assert the status and the exact error envelope (``extra`` names keys allowed beyond
    error/message/field, as 402 and 429 carry)."""
    body = await response.json(content_type=None)
    assert response.status == status, (response.status, body)
    assert response.content_type == "application/json"
    assert isinstance(body, dict)
    assert set(body) == ENVELOPE_KEYS | extra, body
    assert body["error"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    assert body["field"] == field, body
    return body


async def audit_page(http: aiohttp.ClientSession, org: Org, **params: str) -> dict[str, Any]:
    async with http.get(AUDIT_LOG, params=params, headers=org.auth) as response:
        body = await response.json()
        assert response.status == 200, body
    assert isinstance(body, dict)
    return body


async def set_custom_domain_verified(program_id: str, verified: bool) -> None:
    """Flip the flag the API cannot set (verification happens in the dashboard)."""
    conn = await asyncpg.connect(Settings().database_url)
    try:
        done = await conn.execute(
            "UPDATE ledger.programs SET custom_domain_verified = $2 WHERE id = $1",
            uuid.UUID(program_id), verified)
    finally:
        await conn.close()
    assert done == "UPDATE 1"
