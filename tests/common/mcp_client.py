"""The MCP SDK's own client over Streamable HTTP against the running gateway's ``/mcp``, with
an MCP key, as an assistant's MCP client connects."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import mcp_types as types
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.common.api import audit_page
from tests.common.api_keys_api import create
from tests.common.oidc_issuer import TestIssuer
from tests.common.orgs import Org
from tests.common.waiting import eventually


async def mcp_key(http: aiohttp.ClientSession, issuer: TestIssuer, org: Org,
                  scope: str = "read_write") -> dict[str, Any]:
    """A new MCP key of the org (``{"id", "key", ...}``), made by its Owner over REST."""
    owner = issuer.operator_auth(org.org_id, "Owner")
    return await create(http, owner, scope=scope, kind="mcp", name="assistant")


@asynccontextmanager
async def mcp_session(base_url: str, key: str) -> AsyncIterator[ClientSession]:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
    async with http, streamable_http_client(f"{base_url}/mcp", http_client=http) as (
            read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


def answer(result: types.CallToolResult) -> Any:
    """A tool's JSON answer (its text content), whether a result or an error envelope."""
    [block] = result.content
    assert isinstance(block, types.TextContent)
    return json.loads(block.text)


async def audited_by_mcp(http: aiohttp.ClientSession, org: Org, action: str,
                         entity_id: str | None = None) -> dict[str, Any]:
    """The org's audit row of ``action`` (of ``entity_id``, when given), once the owner's
    outbox has delivered it, checked to be the MCP key's."""
    async def row() -> dict[str, Any] | None:
        page = await audit_page(http, org, action=action, pageSize="100")
        return next((r for r in page["items"]
                     if entity_id is None or r["entityId"] == entity_id), None)

    found: dict[str, Any] = await eventually(row, what=f"audit row {action} of {entity_id}")
    assert found["actorType"] == "mcp", found
    return found
