"""The MCP server's catalog: the 39 tools the reference names, each with a unique name, a
description, a valid JSON schema generated from the REST route's own models, and a line in
the README's tool table naming its REST equivalent."""

from __future__ import annotations

import re
from pathlib import Path

from jsonschema import Draft202012Validator

from services.gateway.mcp.catalog import TOOLS
from services.gateway.mcp.route_tools import RouteTool
from services.gateway.mcp.server import listed

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_reference_names_39_tools_each_once() -> None:
    names = [t.name for t in TOOLS]
    assert len(names) == 39 and len(set(names)) == 39


def test_every_tool_has_a_description_and_a_valid_schema() -> None:
    for tool in TOOLS:
        shown = listed(tool)
        assert shown.description and len(shown.description) > 40, tool.name
        Draft202012Validator.check_schema(shown.input_schema)
        assert shown.input_schema["type"] == "object"


def test_route_tools_are_routes_api_keys_may_call() -> None:
    for tool in TOOLS:
        if isinstance(tool, RouteTool):
            route = tool.route
            assert not route.public and route.auth.takes_api_key, tool.name
            assert route.media_type == "application/json", tool.name
            assert tool.read_only == (route.method == "GET"), tool.name


def test_the_readme_lists_every_tool_with_its_rest_equivalent() -> None:
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (.+?) \|", README.read_text(), re.MULTILINE))
    assert set(rows) >= {t.name for t in TOOLS}
    for tool in TOOLS:
        if isinstance(tool, RouteTool):
            assert f"`{tool.route.method} {tool.route.path}`" in rows[tool.name], tool.name
