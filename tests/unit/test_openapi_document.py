"""The OpenAPI document says what the gateway enforces: the classes of mismatch the conformance
run found (tests/e2e/test_conformance.py), checked on the document alone."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request
from pydantic import BaseModel

from libs.contracts.audit_log import AuditLogQuery
from libs.contracts.programs import ProgramCreate
from libs.contracts.programs import ProgramListQuery as ListQuery
from libs.contracts.tax_forms import FileQuery
from libs.shared.errors import ValidationFailed
from services.gateway.entrypoints.http.errors import STATUS
from services.gateway.entrypoints.http.openapi import build_openapi
from services.gateway.entrypoints.http.parsing import parse_query
from services.gateway.entrypoints.http.routes import ROUTES

DOCUMENT = build_openapi(ROUTES)
TEXT = json.dumps(DOCUMENT)
# pydantic's own constraint names: JSON Schema ignores them, so a bound written so is no bound.
NOT_JSON_SCHEMA = ("ge", "le", "gt", "lt", "max_digits", "decimal_places")


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(n for value in node.values() for n in _walk(value))]
    if isinstance(node, list):
        return [n for value in node for n in _walk(value)]
    return []


def test_every_ref_resolves_and_every_bound_is_a_json_schema_keyword() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    for ref in re.findall(r'"\$ref": "([^"]+)"', TEXT):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas
    for node in _walk(schemas) + _walk(DOCUMENT["paths"]):
        if node.get("type") in ("integer", "number"):
            assert not set(NOT_JSON_SCHEMA) & set(node), node


def test_id_routes_document_404_and_bodies_413() -> None:
    for route in ROUTES:
        responses = DOCUMENT["paths"][route.path][route.method.lower()]["responses"]
        if "{" in route.path:
            assert "404" in responses, route.path
        if route.body is not None:
            assert "413" in responses, route.path
        if route.public:  # no key, no plan; the embedded dashboard's 401 is its token's
            assert "402" not in responses, route.path
            assert "401" not in responses or 401 in route.bare_errors, route.path


def test_error_codes_named_in_a_description_are_documented() -> None:
    create = DOCUMENT["paths"]["/api/v1/programs"]["post"]["responses"]
    assert "slug_already_taken" in create["409"]["description"]
    for route in ROUTES:
        responses = DOCUMENT["paths"][route.path][route.method.lower()]["responses"]
        for code in re.findall(r"`([a-z][a-z_]+)`", route.description):
            if STATUS.get(code, 0) >= 400:
                assert str(STATUS[code]) in responses, (route.path, code)


def test_query_parameters_are_never_null_and_bodies_are_optional_when_empty_is_valid() -> None:
    for path, ops in DOCUMENT["paths"].items():
        for op in ops.values():
            for param in op["parameters"]:
                assert "null" not in json.dumps(param["schema"]), (path, param)
    assert DOCUMENT["paths"]["/api/v1/programs/{id}"]["patch"]["requestBody"]["required"] is False
    assert DOCUMENT["paths"]["/api/v1/programs"]["post"]["requestBody"]["required"] is True


def _query(model: type[BaseModel], query: str) -> dict[str, Any]:
    return parse_query(make_mocked_request("GET", f"/x?{query}"), model)


@pytest.mark.parametrize(("model", "query", "field"), [
    (AuditLogQuery, "until=0.5", "until"),
    (AuditLogQuery, "since=1700000000", "since"),
    (AuditLogQuery, "since=2024-05", "since"),
    (ListQuery, "cursor=%C2%AC", "cursor"),
    (FileQuery, "exp=-49598661861874648219648&sig=x", "exp"),
    # Non-ASCII text made hmac.compare_digest raise in the ledger: a 500.
    (FileQuery, f"exp=1&sig={'%C3%A9' * 32}", "sig"),
    (AuditLogQuery, "page=100000000000000000000000", "page"),
    # Inside 64 bits, yet (page - 1) * pageSize overflowed the SQL OFFSET: a 500.
    (AuditLogQuery, "page=9223372036854775807", "page"),
])
def test_queries_refuse_what_the_schema_refuses(model: type[BaseModel], query: str,
                                                field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _query(model, query)
    assert refused.value.field == field


def test_queries_take_what_the_schema_allows() -> None:
    assert _query(AuditLogQuery, "until=2024-05-01T00:00:00Z")["until"].year == 2024
    assert _query(AuditLogQuery, "since=2024-05-01")["since"].day == 1
    assert _query(ListQuery, "cursor=eyJ0IjoiMjAyNCJ9")["cursor"] == "eyJ0IjoiMjAyNCJ9"


def test_whole_number_floats_are_integers_and_text_is_not_a_number() -> None:
    body = {"name": "P", "defaultCommissionType": "Fixed", "defaultCommissionValue": 12.5,
            "cookieWindowDays": 30.0}
    assert ProgramCreate.model_validate(body).cookie_window_days == 30
    for bad in ({**body, "cookieWindowDays": 30.5}, {**body, "cookieWindowDays": "30"},
                {**body, "cookieWindowDays": True}, {**body, "defaultCommissionValue": "12"}):
        with pytest.raises(ValueError, match=r"whole number|must be a number"):
            ProgramCreate.model_validate(bad)


def test_every_integer_query_parameter_is_bounded_on_both_sides() -> None:
    """An unbounded integer reaches SQL arithmetic (OFFSET, LIMIT) and can overflow it."""
    for path, ops in DOCUMENT["paths"].items():
        for op in ops.values():
            for param in op["parameters"]:
                if param["schema"].get("type") == "integer":
                    assert {"minimum", "maximum"} <= param["schema"].keys(), (path, param)
