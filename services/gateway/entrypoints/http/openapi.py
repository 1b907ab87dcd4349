"""``/openapi.json``, generated from the route table and the same pydantic models that validate
requests, so the document cannot drift from what the gateway accepts."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from services.gateway.entrypoints.http.errors import STATUS
from services.gateway.entrypoints.http.route_table import Route

REF = "#/components/schemas/{model}"
ERROR_SCHEMA = {
    "type": "object", "required": ["error", "message", "field"],
    "properties": {"error": {"type": "string", "enum": sorted(STATUS)},
                   "message": {"type": "string"},
                   "field": {"type": ["string", "null"]}},
}
GATE_ERRORS = {
    "400": "validation_failed / invalid_json", "401": "missing, unknown or revoked API key",
    "402": "plan_tier_required (with required, current, trialing)",
    "403": "insufficient_scope", "429": "rate_limited (see Retry-After)",
}


def _models(routes: list[Route]) -> list[type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {}
    for route in routes:
        for model in (route.body, route.response_model):
            if model is not None:
                seen[model.__name__] = model
    return list(seen.values())


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(by_alias=True)
    return [{"name": name, "in": "query", "required": name in schema.get("required", []),
             "schema": prop} for name, prop in schema["properties"].items()]


def _operation(route: Route, refs: dict[str, str]) -> dict[str, Any]:
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "string"} if name in route.raw_path_params
               else {"type": "string", "format": "uuid"}}
              for name in re.findall(r"{(\w+)}", route.path)]
    if route.query is not None:
        params += _query_parameters(route.query)
    responses: dict[str, Any] = {}
    ok: dict[str, Any] = {"description": "OK"}
    if route.response_model is not None:
        ok["content"] = {"application/json": {"schema": {
            "$ref": refs[route.response_model.__name__]}}}
    responses[str(route.status)] = ok
    for status, text in GATE_ERRORS.items():
        responses[status] = {"description": text, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}
    op: dict[str, Any] = {
        "operationId": route.operation_id, "summary": route.summary,
        "description": route.description, "tags": [route.tag], "parameters": params,
        "responses": responses, "security": [] if route.public else [{"apiKey": []}],
        "x-rekomi-plan": route.plan.value if route.plan else None,
        "x-rekomi-owner": route.service,
    }
    if route.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": refs[route.body.__name__]}}}}
    return op


def build_openapi(routes: list[Route]) -> dict[str, Any]:
    models = _models(routes)
    keyed, components = models_json_schema(
        [(m, "validation") for m in models], by_alias=True, ref_template=REF)
    refs = {model.__name__: ref["$ref"] for (model, _mode), ref in keyed.items()}
    schemas = dict(components.get("$defs", {}))
    schemas["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Rekomi API", "version": "1.0.0",
                 "description": "Affiliate programs, tracking, commissions and payouts."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "rk_live_..."}}},
    }
