"""The MCP server at /mcp, driven by the official SDK's client over Streamable HTTP against
the running gateway (issue 24): tools answer what REST answers, through the same gates and
audit log; only MCP keys open it; a read key sees and runs read tools only; a revoked key is
refused at once; one org never sees another's data."""

from __future__ import annotations

import aiohttp
import pytest
from mcp.shared.exceptions import MCPError

from tests.common.api import PROGRAMS
from tests.common.api_keys_api import revoke
from tests.common.mcp_client import answer, audited_by_mcp, mcp_key, mcp_session
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org, new_org
from tests.common.stack import Stack

PROGRAM = {"name": "Via MCP", "defaultCommissionType": "Percentage",
           "defaultCommissionValue": 15}


async def test_tools_answer_what_rest_answers(http: aiohttp.ClientSession, stack: Stack,
                                              issuer: TestIssuer, org: Org) -> None:
    key = await mcp_key(http, issuer, org)
    async with mcp_session(stack.base_url, key["key"]) as session:
        listed = await session.list_tools()
        assert len({t.name for t in listed.tools}) == 39  # the reference's count
        for tool in listed.tools:
            assert tool.description and tool.input_schema["type"] == "object", tool.name
        made = await session.call_tool("create_program", PROGRAM)
        assert not made.is_error, answer(made)
        program = answer(made)
        listed_programs = answer(await session.call_tool("list_programs", {}))
    async with http.get(PROGRAMS, headers=org.auth) as response:
        rest = await response.json()
    assert listed_programs == rest
    assert program["id"] in {p["id"] for p in rest["items"]}
    await audited_by_mcp(http, org, "program.created", program["id"])


async def test_a_read_key_sees_and_runs_read_tools_only(
        http: aiohttp.ClientSession, stack: Stack, issuer: TestIssuer, org: Org) -> None:
    key = await mcp_key(http, issuer, org, scope="read")
    async with mcp_session(stack.base_url, key["key"]) as session:
        tools = (await session.list_tools()).tools
        assert tools and all(t.annotations and t.annotations.read_only_hint for t in tools)
        assert "create_program" not in {t.name for t in tools}
        refused = await session.call_tool("create_program", PROGRAM)
    assert refused.is_error
    assert answer(refused)["error"] == "insufficient_scope"
    async with http.get(PROGRAMS, headers=org.auth) as response:
        assert (await response.json())["items"] == []  # nothing was made


async def test_errors_are_tool_errors_with_the_rest_envelope(
        http: aiohttp.ClientSession, stack: Stack, issuer: TestIssuer, org: Org) -> None:
    key = await mcp_key(http, issuer, org)
    async with mcp_session(stack.base_url, key["key"]) as session:
        bad = await session.call_tool("create_program", {**PROGRAM,
                                                         "defaultCommissionValue": "lots"})
        unknown_arg = await session.call_tool("list_programs", {"colour": "red"})
        no_tool = await session.call_tool("drop_database", {})
    assert bad.is_error and answer(bad)["error"] == "validation_failed"
    assert answer(bad)["field"] == "defaultCommissionValue"
    assert answer(unknown_arg) == {"error": "validation_failed", "field": "colour",
                                   "message": "unknown argument 'colour'"}
    assert no_tool.is_error and answer(no_tool)["error"] == "tool_not_found"


async def test_only_live_mcp_keys_open_the_server(http: aiohttp.ClientSession, stack: Stack,
                                                  issuer: TestIssuer, org: Org) -> None:
    key = await mcp_key(http, issuer, org)
    async with mcp_session(stack.base_url, key["key"]) as session:
        assert not (await session.call_tool("list_programs", {})).is_error
        owner = issuer.operator_auth(org.org_id, "Owner")
        assert (await revoke(http, owner, key["id"]))[0] == 204
        # The very next call on the open session is refused.
        with pytest.raises(MCPError, match="error response"):  # the 401
            await session.call_tool("list_programs", {})
    for token in (key["key"], org.api_key, "rk_mcp_" + "x" * 32):
        async with http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                             headers={"Authorization": f"Bearer {token}",
                                      "Accept": "application/json, text/event-stream"}
                             ) as response:
            body = await response.json()
            assert (response.status, body["error"]) == (401, "unauthorized"), token


async def test_one_orgs_key_never_sees_another_orgs_data(
        http: aiohttp.ClientSession, stack: Stack, issuer: TestIssuer, org: Org) -> None:
    other = await new_org()
    async with http.post(PROGRAMS, json=PROGRAM, headers=other.auth) as response:
        theirs = await response.json()
        assert response.status == 201, theirs
    key = await mcp_key(http, issuer, org)
    async with mcp_session(stack.base_url, key["key"]) as session:
        mine = answer(await session.call_tool("list_programs", {}))
    assert mine["items"] == []
