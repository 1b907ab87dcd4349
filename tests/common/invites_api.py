"""Helpers for the invite end-to-end tests: invites over HTTP, public clients from fresh
loopback addresses (the per-address limits start at 0), tokens out of accept URLs and e-mail."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import asyncpg

from libs.shared.settings import Settings
from services.ledger.invites.adapters.mail_catcher import Caught, MailCatcher
from tests.common.api import audit_page
from tests.common.orgs import Org
from tests.common.storefront_api import fresh_address
from tests.common.waiting import eventually

INVITES = "/api/affiliate-invites"
BULK = f"{INVITES}/bulk"
INVITE_KEYS = frozenset({
    "id", "programId", "programName", "email", "fullName", "slug", "state", "autoApprove",
    "customCommissionType", "customCommissionValue", "personalNoteHtml", "affiliateId",
    "expiresAt", "createdAt", "acceptedAt", "revokedAt"})
_URL = re.compile(r"https://app\.rekomi\.com/invites/affiliate/([A-Za-z0-9_-]+)")


def email() -> str:
    return f"inv-{uuid.uuid4().hex[:10]}@example.com"


@asynccontextmanager
async def public_client(base_url: str) -> AsyncIterator[aiohttp.ClientSession]:
    connector = aiohttp.TCPConnector(local_addr=(fresh_address(), 0))
    async with aiohttp.ClientSession(base_url=base_url, connector=connector) as session:
        yield session


def token_of(url: str) -> str:
    match = _URL.fullmatch(url)
    assert match, url
    return match.group(1)


async def invite(http: aiohttp.ClientSession, org: Org, program_id: str, **body: Any
                 ) -> dict[str, Any]:
    payload = {"programId": program_id, "email": email(), **body}
    async with http.post(INVITES, json=payload, headers=org.auth) as response:
        created = await response.json()
        assert response.status == 201, created
    assert set(created) == {"invite", "acceptUrl"}
    assert set(created["invite"]) == INVITE_KEYS
    return dict(created)


async def bulk(http: aiohttp.ClientSession, org: Org, body: dict[str, Any]) -> dict[str, Any]:
    async with http.post(BULK, json=body, headers=org.auth) as response:
        result = await response.json()
        assert response.status == 200, result
    return dict(result)


async def accept(client: aiohttp.ClientSession, token: str) -> aiohttp.ClientResponse:
    return await client.post(f"{INVITES}/by-token/{token}/accept")


async def mail_to(catcher: MailCatcher, address: str, count: int = 1, timeout: float = 15.0
                  ) -> list[Caught]:
    async def arrived() -> list[Caught] | None:
        found = catcher.messages(address)
        return found if len(found) >= count else None

    return await eventually(arrived, timeout=timeout, what=f"{count} e-mail to {address}")


def token_in_mail(caught: Caught) -> str:
    found = _URL.search(caught.body("plain"))
    assert found, caught.body("plain")
    return found.group(1)


async def seed_pending(org: Org, program_id: str, count: int) -> None:
    """Pending invites written straight into the ledger's table (no e-mail): the cap test."""
    conn = await asyncpg.connect(Settings().database_url)
    try:
        await conn.executemany(
            "INSERT INTO ledger.affiliate_invites (id, org_id, program_id, email, auto_approve, "
            "brand_name, state, token_hash, token_version, expires_at, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, true, 'Seed', 'Pending', $5, 1, now() + interval '1 day', "
            "now(), now())",
            [(uuid.uuid4(), uuid.UUID(org.org_id), uuid.UUID(program_id), email(),
              os.urandom(32)) for _ in range(count)])
    finally:
        await conn.close()


async def expire(invite_id: str) -> None:
    """Move an invite's expiry into the past (time cannot be fast-forwarded over HTTP)."""
    conn = await asyncpg.connect(Settings().database_url)
    try:
        done = await conn.execute(
            "UPDATE ledger.affiliate_invites SET expires_at = now() - interval '1 second' "
            "WHERE id = $1", uuid.UUID(invite_id))
    finally:
        await conn.close()
    assert done == "UPDATE 1"


async def audit_actions(http: aiohttp.ClientSession, org: Org, entity_id: str,
                        expected: set[str]) -> None:
    """Audit rows travel through the ledger's outbox: wait for them."""
    async def found() -> bool | None:
        rows = (await audit_page(http, org, entityType="invite", pageSize="100"))["items"]
        actions = {r["action"] for r in rows if r["entityId"] == entity_id}
        return True if expected <= actions else None

    await eventually(found, what=f"audit rows {expected}")
