"""The MCP server at /mcp, driven by the official SDK's client over Streamable HTTP against
the running gateway (issue 24)."""

from __future__ import annotations

import aiohttp

from tests.common.api import PROGRAMS
from tests.common.mcp_client import answer, mcp_session
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org
from tests.common.stack import Stack


async def _mcp_key(http: aiohttp.ClientSession, issuer: TestIssuer, org: Org,
                   scope: str = "read_write") -> str:
    owner = issuer.operator_auth(org.org_id, "Owner")
    async with http.post("/api/v1/api-keys", json={"name": "assistant", "scope": scope,
                                                   "kind": "mcp"}, headers=owner) as response:
        made = await response.json()
        assert response.status == 201, made
    return str(made["key"])


async def test_tools_answer_what_rest_answers(http: aiohttp.ClientSession, stack: Stack,
                                              issuer: TestIssuer, org: Org) -> None:
    key = await _mcp_key(http, issuer, org)
    async with mcp_session(stack.base_url, key) as session:
        listed = await session.list_tools()
        names = {t.name for t in listed.tools}
        assert {"list_programs", "create_program"} <= names
        made = await session.call_tool("create_program", {
            "name": "Via MCP", "defaultCommissionType": "Percentage",
            "defaultCommissionValue": 15})
        assert not made.is_error, answer(made)
        program = answer(made)
        listed_programs = answer(await session.call_tool("list_programs", {}))
    async with http.get(PROGRAMS, headers=org.auth) as response:
        rest = await response.json()
    assert listed_programs == rest
    assert program["id"] in {p["id"] for p in rest["items"]}
