"""``/openapi.json``, generated from the route table and the same pydantic models that validate
requests, so the document cannot drift from what the gateway accepts.

Every status an operation can answer is documented: its success status; the gates' errors
(400, 401, 402, 403, 429; a public route only meets 400 and 429); 404 for a route with a path
parameter or a body naming another resource by id; 413 and 415 for a body; and the status of every
error code its description names in backticks (``409 `slug_already_taken` `` documents 409).
An idempotent route also documents its optional ``Idempotency-Key`` header, the 409s a key
answers and the ``Idempotency-Replayed`` response header."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from services.gateway.domain.idempotency import KEY_HEADER, MAX_KEY_LENGTH
from services.gateway.domain.plans import gate_of
from services.gateway.domain.roles import Auth
from services.gateway.entrypoints.http.errors import STATUS
from services.gateway.entrypoints.http.idempotency import REPLAYED_HEADER
from services.gateway.entrypoints.http.route_table import Route

REF = "#/components/schemas/{model}"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "type": "object", "required": ["error", "message", "field"],
    "properties": {"error": {"type": "string", "enum": sorted(STATUS)},
                   "message": {"type": "string"},
                   "field": {"type": ["string", "null"]}},
}
GATE_ERRORS = {
    "400": "validation_failed / invalid_json",
    "401": "missing, unknown or revoked API key, or an invalid or expired dashboard token",
    "402": "plan_tier_required (with required, current, trialing)",
    "403": "insufficient_scope (API keys); for dashboard users an empty body when their role "
           "is below x-rekomi-role",
    "429": "rate_limited (see Retry-After)",
}
PUBLIC_GATE_ERRORS = ("400", "429")
# Routes that take no API key: a valid key is refused with an empty 403, and no plan applies
# (unless the gate binds the dashboard too).
SESSION_GATE_ERRORS = ("400", "401", "429")
EMPTY_403 = ("an empty body: a valid credential of a kind this route does not take (an API "
             "key), or a dashboard role below x-rekomi-role")
VERIFIED = "email_not_verified: a dashboard user whose e-mail is not verified"
EMPTY_OBJECT = "an empty object {}, as the reference answers it"
SECURITY: dict[Auth, list[dict[str, list[str]]]] = {
    Auth.KEY_OR_JWT: [{"apiKey": []}, {"dashboardJwt": []}],
    Auth.API_KEY_ONLY: [{"apiKey": []}], Auth.JWT_ONLY: [{"dashboardJwt": []}],
    Auth.AFFILIATE_JWT: [{"affiliateJwt": []}]}
SECURITY_SCHEMES = {
    "apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "rk_live_..."},
    "dashboardJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                     "description": "A brand operator's OpenID Connect token: an org and a "
                                    "role (Owner > Manager > Viewer) in its claims."},
    "affiliateJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                     "description": "An affiliate's OpenID Connect token with a verified "
                                    "e-mail: the affiliate portal's routes."},
}
NOT_FOUND = "not_found: an unknown id, or one of another org"
TOO_LARGE = "payload_too_large"
NOT_JSON = "unsupported_media_type: a body without Content-Type: application/json"
_CODE = re.compile(r"`([a-z][a-z_]+)`")
IDEMPOTENCY_ERRORS = ("idempotency_key_reused: the key was used for another request",
                      "idempotency_request_in_progress: the key's first request is running")
IDEMPOTENCY_KEY = {
    "name": KEY_HEADER, "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
               "pattern": "^[!-~]+$"},
    "description": "Any 1 to 255 visible ASCII characters (a uuid is recommended), per org. "
                   "Within the 60-minute replay window the same method, path and body get "
                   "the first answer (2xx or 4xx) again with Idempotency-Replayed: true; "
                   "another request with the key is 409. A 5xx keeps nothing: a retry runs "
                   "again.",
}
REPLAYED = {REPLAYED_HEADER: {
    "description": "true when this is the stored answer to an earlier call with the key",
    "schema": {"type": "string", "enum": ["true"]}}}


def _models(routes: list[Route]) -> list[type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {}
    for route in routes:
        for model in (route.body, route.query, route.response_model):
            if model is not None:
                seen[model.__name__] = model
    return list(seen.values())


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or text: its schema loses the ``null`` branch."""
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) != 1:
        return schema
    kept = {k: v for k, v in schema.items() if k != "anyOf" and (k, v) != ("default", None)}
    return {**kept, **branches[0]}


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = schemas[model.__name__]
    params = []
    for name, prop in schema["properties"].items():
        param = {"name": name, "in": "query", "required": name in schema.get("required", []),
                 "schema": _not_null(prop)}
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params


def _names_a_resource(model: type[BaseModel] | None, schemas: dict[str, Any]) -> bool:
    """A body with an id field (``programId``, ...) is 404 when that resource is not the org's."""
    if model is None:
        return False
    props = schemas[model.__name__].get("properties", {})
    return any(name.endswith("Id") and "uuid" in str(prop) for name, prop in props.items())


def _gate_errors(route: Route) -> dict[str, list[str]]:
    if route.public:
        return {status: [GATE_ERRORS[status]] for status in PUBLIC_GATE_ERRORS}
    if route.auth.takes_api_key:
        codes = {status: [text] for status, text in GATE_ERRORS.items()}
    else:
        codes = {status: [GATE_ERRORS[status]] for status in SESSION_GATE_ERRORS}
        if route.plan is not None and gate_of(route.plan).binds_dashboard:
            codes["402"] = [GATE_ERRORS["402"]]
    if route.email_verified or route.auth is Auth.AFFILIATE_JWT:
        codes.setdefault("403", []).append(VERIFIED)
    return codes


def _error_statuses(route: Route, schemas: dict[str, Any]) -> dict[str, str]:
    """Each documented error status and the codes that answer it."""
    codes = _gate_errors(route)
    if "{" in route.path or _names_a_resource(route.body, schemas):
        codes.setdefault("404", []).append(NOT_FOUND)
    if route.body is not None:
        codes.setdefault("413", []).append(TOO_LARGE)
        codes.setdefault("415", []).append(NOT_JSON)
    if route.idempotent:
        codes.setdefault("409", []).extend(IDEMPOTENCY_ERRORS)
    for code in _CODE.findall(route.description):
        status = STATUS.get(code)
        if status is not None and status >= 400 and code not in codes.get(str(status), ()):
            codes.setdefault(str(status), []).append(code)
    return {status: "; ".join(names) for status, names in sorted(codes.items())}


def _body_required(model: type[BaseModel]) -> bool:
    """An absent body reads as ``{}``, so it is optional exactly when ``{}`` is valid."""
    try:
        model.model_validate({})
    except (ValidationError, ValueError):
        return True
    return False


NO_BODY = frozenset({204, 302})


def _path_parameters(route: Route) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True,
             "schema": {"type": "string"} if name in route.raw_path_params
             else {"type": "string", "format": "uuid"}}
            for name in re.findall(r"{(\w+)}", route.path)]


def _operation(route: Route, refs: dict[str, str], schemas: dict[str, Any]) -> dict[str, Any]:
    params = _path_parameters(route)
    if route.query is not None:
        params += _query_parameters(route.query, schemas)
    if route.idempotent:
        params.append(IDEMPOTENCY_KEY)
    ok: dict[str, Any] = {"description": "No content" if route.status == 204 else "OK"}
    if route.response_model is not None:
        ok["content"] = {"application/json": {"schema": {
            "$ref": refs[route.response_model.__name__]}}}
        if route.also_media_type is not None:
            ok["content"][route.also_media_type] = {"schema": {"type": "string"}}
    elif route.media_type != "application/json" and route.status not in NO_BODY:
        ok["content"] = {route.media_type: {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {str(route.status): ok}
    for status, text in _error_statuses(route, schemas).items():
        responses[status] = {"description": text,
                             "content": {"application/json": {"schema": ERROR_REF}}}
    for status in map(str, sorted(route.bare_errors)):
        described = responses.get(status, {}).get("description")
        responses[status] = {
            "description": "; ".join(filter(None, [EMPTY_OBJECT, described])),
            "content": {"application/json": {"schema": {"anyOf": [
                {"type": "object", "maxProperties": 0}, ERROR_REF]}}}}
    if not route.public and not route.auth.takes_api_key:
        # What an API key meets here: a 403 without a body (a JSON one only for a dashboard
        # user's unverified e-mail, which one status cannot document beside it).
        responses["403"] = {"description": "; ".join(
            [EMPTY_403] + ([VERIFIED] if "403" in _gate_errors(route) else []))}
    if route.idempotent:
        for response in responses.values():
            response["headers"] = REPLAYED
    op: dict[str, Any] = {
        "operationId": route.operation_id, "summary": route.summary,
        "description": route.description, "tags": [route.tag], "parameters": params,
        "responses": responses, "security": [] if route.public else SECURITY[route.auth],
        "x-rekomi-plan": route.plan_tier.value if route.plan_tier else None,
        # Dashboard users: the least role, and whether a verified e-mail is needed.
        "x-rekomi-role": route.role.name if route.role is not None else None,
        "x-rekomi-email-verified": route.email_verified,
        "x-rekomi-owner": route.service,
    }
    if route.body is not None:
        op["requestBody"] = {"required": _body_required(route.body), "content": {
            "application/json": {"schema": {"$ref": refs[route.body.__name__]}}}}
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
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Rekomi API", "version": "1.0.0",
                 "description": "Affiliate programs, tracking, commissions and payouts."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
    }
