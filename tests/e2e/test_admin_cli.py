"""``rekomi admin create-org`` as an operator runs it: the other tests make orgs in-process
(tests/common/orgs.py) through the same use case, so this is where the command itself, its
``--json`` contract and what it sets off are proved."""

from __future__ import annotations

import uuid

import aiohttp
import asyncpg

from libs.shared.settings import Settings
from tests.common.api import PROGRAMS, audit_page
from tests.common.orgs import Org
from tests.common.stack import rekomi, rekomi_json
from tests.common.waiting import eventually


async def ledger_currency(org_id: str) -> str | None:
    conn = await asyncpg.connect(Settings().database_url)
    try:
        currency: str | None = await conn.fetchval(
            "SELECT home_currency FROM ledger.org_settings WHERE org_id = $1",
            uuid.UUID(org_id))
    finally:
        await conn.close()
    return currency


async def test_create_org_prints_a_working_key_and_announces_the_org(
        http: aiohttp.ClientSession) -> None:
    handle = f"cli-{uuid.uuid4().hex[:10]}"
    made = rekomi_json("admin", "create-org", "--name", "CLI brand", "--handle", handle,
                       "--plan", "Pro", "--status", "Active", "--home-currency", "SEK")
    assert set(made) == {"orgId", "handle", "apiKey", "signingSecret"}, made
    org = Org(made["orgId"], made["handle"], made["apiKey"], made["signingSecret"])
    assert org.handle == handle
    async with http.get(PROGRAMS, headers=org.auth) as response:
        assert response.status == 200
    assert await eventually(lambda: ledger_currency(org.org_id),
                            what="the ledger's copy of the org") == "SEK"
    page = await audit_page(http, org, entityType="api_key")
    assert [item["action"] for item in page["items"]] == ["api_key.created"], page


async def test_create_key_makes_named_mcp_keys(http: aiohttp.ClientSession, org: Org) -> None:
    made = rekomi_json("admin", "create-key", "--org", org.org_id, "--scope", "read",
                       "--kind", "mcp", "--name", " Claude desktop ")
    assert made["apiKey"].startswith("rk_mcp_") and made["kind"] == "mcp", made
    async with http.get(PROGRAMS, headers={"Authorization": f"Bearer {made['apiKey']}"}
                        ) as response:
        assert response.status == 200
    conn = await asyncpg.connect(Settings().database_url)
    try:
        row = await conn.fetchrow("SELECT kind, name, scope FROM gateway.api_keys WHERE id = $1",
                                  uuid.UUID(made["keyId"]))
    finally:
        await conn.close()
    assert tuple(row) == ("mcp", "Claude desktop", "read")
    plain = rekomi_json("admin", "create-key", "--org", org.org_id, "--scope", "read")
    assert plain["apiKey"].startswith("rk_live_") and plain["kind"] == "live"
    refused = rekomi("admin", "create-key", "--org", org.org_id, "--scope", "read",
                     "--name", "  ", check=False)
    assert refused.returncode == 2 and "1 to 100 characters" in refused.stderr


async def test_a_taken_handle_is_refused_with_the_error_envelope() -> None:
    handle = f"cli-{uuid.uuid4().hex[:10]}"
    args = ["admin", "create-org", "--name", "CLI brand", "--handle", handle, "--plan", "Pro",
            "--status", "Active", "--json"]
    rekomi(*args)
    again = rekomi(*args, check=False)
    assert again.returncode == 1 and again.stdout == ""
    assert '"error":"handle_already_taken"' in again.stderr.replace(" ", ""), again.stderr
