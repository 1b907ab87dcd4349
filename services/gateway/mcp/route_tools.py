"""A tool that is one REST route: the same gates, the same validation, the same owner's call
and the same answer as the route (``views.py``), with its path, query and body fields as the
tool's arguments. A REST fix is an MCP fix, and nothing loops back over HTTP.

Arguments are flat: the path parameters, the query's fields and the body's fields side by side
(names as on the wire); the input schema is generated from the route's own pydantic models."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from libs.contracts.common import as_json
from libs.shared.errors import NotFound, ValidationFailed
from services.gateway.entrypoints.http.keys import BUS, PRINCIPAL
from services.gateway.entrypoints.http.middleware import route_rate_limit
from services.gateway.entrypoints.http.parsing import validate_body, validate_query
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.views import enforce_gates
from services.gateway.mcp.calls import McpCall


@dataclass(frozen=True)
class RouteTool:
    name: str
    route: Route
    description: str  # for the assistant: when to use it; the route's summary comes first
    # Argument descriptions for path parameters (url name -> text).
    path_descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def read_only(self) -> bool:
        return not self.route.mutating

    @property
    def full_description(self) -> str:
        return f"{self.route.summary}. {self.description}".strip()

    def input_schema(self) -> dict[str, Any]:
        return route_schema(self.route, self.path_descriptions)

    async def run(self, call: McpCall, arguments: dict[str, Any]) -> Any:
        return await run_route(self.route, call, arguments)


def route_schema(route: Route, path_descriptions: dict[str, str]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    defs: dict[str, Any] = {}
    for url_name in route.path_params:
        raw = url_name in route.raw_path_params
        properties[url_name] = {"type": "string", **({} if raw else {"format": "uuid"}),
                                "description": path_descriptions.get(url_name, url_name)}
        required.append(url_name)
    for model in (route.query, route.body):
        if model is None:
            continue
        schema = model.model_json_schema(by_alias=True, mode="validation")
        overlap = set(properties) & set(schema.get("properties", {}))
        if overlap:
            raise ValueError(f"{route.method} {route.path}: {sorted(overlap)} is both a path "
                             "or query field and a body field")
        properties.update(schema.get("properties", {}))
        required.extend(schema.get("required", []))
        defs.update(schema.get("$defs", {}))
    schema = {"type": "object", "properties": properties, "required": required,
              "additionalProperties": False}
    if defs:
        schema["$defs"] = defs
    return schema


def _fields(model: type[BaseModel] | None) -> set[str]:
    if model is None:
        return set()
    return {f.alias or name for name, f in model.model_fields.items()}


async def run_route(route: Route, call: McpCall, arguments: dict[str, Any]) -> Any:
    await pass_gates(route, call)
    return await run_payload(route, call, route_payload(route, call, arguments))


async def pass_gates(route: Route, call: McpCall) -> None:
    """The route's gates, and its own tighter rate limit (imports), counted for the key as on
    REST (the /mcp endpoint counted the key's general limit)."""
    enforce_gates(route, call.principal)
    await route_rate_limit(call.request, route, call.principal.rate_subject)


async def run_payload(route: Route, call: McpCall, payload: dict[str, Any]) -> Any:
    """The route's run once its gates passed and its arguments became its payload."""
    call.request[PRINCIPAL] = call.principal  # what a local view reads, as on REST
    if route.local is not None:
        result = await route.local(call.request, payload)
        if isinstance(result, web.StreamResponse):  # answers itself: not a JSON tool
            raise ValidationFailed("this route does not answer JSON")
    else:
        assert route.rpc is not None
        result = await route.rpc.call(call.request.app[BUS], payload, timeout=route.rpc_timeout)
    if route.status == 204:
        return {}
    return as_json(result) if isinstance(result, BaseModel) else result


def refuse_unknown(arguments: dict[str, Any], known: Iterable[str]) -> None:
    """A tool takes only the arguments its schema names: the first other one is refused."""
    unknown = sorted(set(arguments) - set(known))
    if unknown:
        raise ValidationFailed(f"unknown argument {unknown[0]!r}", field=unknown[0])


def route_payload(route: Route, call: McpCall, arguments: dict[str, Any]) -> dict[str, Any]:
    refuse_unknown(arguments, set(route.path_params) | _fields(route.query)
                   | _fields(route.body))
    payload: dict[str, Any] = {"orgId": str(call.principal.org_id)}
    for url_name, message_field in route.path_params.items():
        payload[message_field] = _path_value(route, url_name, arguments.get(url_name))
    if route.query is not None:
        payload.update(validate_query(route.query, {k: v for k, v in arguments.items()
                                                    if k in _fields(route.query)}))
    if route.body is not None:
        # As sent: the owner sees which keys the caller set (PATCH semantics).
        payload["data"] = validate_body(route.body, {k: v for k, v in arguments.items()
                                                     if k in _fields(route.body)})
    if route.mutating:
        payload["actor"] = call.actor()
    return payload


def _path_value(route: Route, url_name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationFailed(f"{url_name} is required", field=url_name)
    if url_name in route.raw_path_params:
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise NotFound("not found") from None  # as a malformed id in a REST path


