"""The MCP server at ``/mcp``, on the official SDK: its Streamable HTTP transport, stateless and
answering JSON (any gateway replica answers any call: nothing is kept between requests).

The gateway authenticates the call first (an ``rk_mcp_`` key, rate-limited per key like any
API key), then hands the request to the SDK with the caller in its scope. Tools see only what
the key's scope allows to list; calling one runs the REST route's gates, so a plan gate, a
scope or a role is refused exactly as on REST, as a tool error carrying the REST envelope
(``{"error", "message", "field", ...}``, e.g. ``plan_tier_required`` with ``required`` and
``current``), which the assistant can read and act on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import mcp_types as types
from aiohttp import web
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel.server import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from libs.shared import jsonutil
from libs.shared.errors import RekomiError
from services.gateway.domain.scopes import Scope, satisfies
from services.gateway.mcp.asgi_bridge import call_asgi
from services.gateway.mcp.calls import SCOPE_KEY, McpCall

log = logging.getLogger(__name__)
NAME = "rekomi"


class Tool(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def read_only(self) -> bool: ...

    @property
    def full_description(self) -> str: ...

    def input_schema(self) -> dict[str, Any]: ...

    async def run(self, call: McpCall, arguments: dict[str, Any]) -> Any: ...


def listed(tool: Tool) -> types.Tool:
    return types.Tool(name=tool.name, description=tool.full_description,
                      input_schema=tool.input_schema(),
                      annotations=types.ToolAnnotations(read_only_hint=tool.read_only))


def visible(tools: list[Tool], call: McpCall) -> list[Tool]:
    """A ``read`` key sees the read tools only."""
    writes = satisfies(call.principal.scope, Scope.read_write)
    return [t for t in tools if writes or t.read_only]


def _call_of(ctx: ServerRequestContext[Any, Any]) -> McpCall:
    request = ctx.request
    call = request.scope.get(SCOPE_KEY) if request is not None else None
    if not isinstance(call, McpCall):  # the transport always carries it; fail closed
        raise RuntimeError("an MCP request without its authenticated caller")
    return call


def result_of(value: Any) -> types.CallToolResult:
    structured = value if isinstance(value, dict) else {"items": value}
    return types.CallToolResult(content=[types.TextContent(text=jsonutil.dumps_str(value))],
                                structured_content=structured)


def error_of(envelope: dict[str, Any]) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=jsonutil.dumps_str(envelope))],
                                structured_content=envelope, is_error=True)


def build_server(tools: list[Tool]) -> Server[Any]:
    by_name = {t.name: t for t in tools}
    if len(by_name) != len(tools):
        raise ValueError("two MCP tools share a name")

    async def list_tools(ctx: ServerRequestContext[Any, Any],
                         _params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[listed(t) for t in visible(tools, _call_of(ctx))])

    async def call_tool(ctx: ServerRequestContext[Any, Any],
                        params: types.CallToolRequestParams) -> types.CallToolResult:
        call = _call_of(ctx)
        tool = by_name.get(params.name)
        if tool is None:
            return error_of({"error": "tool_not_found", "field": "name",
                             "message": f"no tool named {params.name!r}"})
        try:
            return result_of(await tool.run(call, dict(params.arguments or {})))
        except RekomiError as exc:
            return error_of(exc.envelope())

    return Server(NAME, version="1", instructions=INSTRUCTIONS, on_list_tools=list_tools,
                  on_call_tool=call_tool)


INSTRUCTIONS = (
    "Rekomi runs a brand's affiliate programs: programs, affiliates and their links, "
    "conversions and commissions, payouts, metrics and webhooks. Tools answer exactly what "
    "the REST API answers (amounts are integer cents with a currency). A refused call is a "
    "tool error carrying the API's error envelope: plan_tier_required names the plan needed.")


class McpServer:
    """The SDK's session manager, running in a task of its own for the app's lifetime (its
    task group must be entered and left in one task)."""

    def __init__(self, tools: list[Tool]) -> None:
        self.manager = StreamableHTTPSessionManager(build_server(tools), json_response=True,
                                                    stateless=True)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        started, stop = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with self.manager.run():
                started.set()
                await stop.wait()

        task = asyncio.get_running_loop().create_task(hold())
        waiting = asyncio.ensure_future(started.wait())
        await asyncio.wait([task, waiting], return_when=asyncio.FIRST_COMPLETED)
        if task.done():  # it failed to start: say why
            waiting.cancel()
            await task
        try:
            yield
        finally:
            stop.set()
            await task

    async def answer(self, request: web.Request, call: McpCall) -> web.Response:
        return await call_asgi(self.manager.handle_request, request, {SCOPE_KEY: call})
