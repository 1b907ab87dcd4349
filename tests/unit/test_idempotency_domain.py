"""Idempotency-Key rules, pure: valid keys, fingerprints, what a request with a key on record
gets, which answers are kept; the route flag's limits and what OpenAPI says of it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from libs.shared.errors import ValidationFailed
from services.gateway.domain.errors import IdempotencyKeyReused, IdempotencyRequestInProgress
from services.gateway.domain.idempotency import (
    KeyRecord,
    StoredResponse,
    decide,
    fingerprint,
    keeps_response,
    valid_key,
)
from services.gateway.entrypoints.http.openapi import IDEMPOTENCY_KEY, build_openapi
from services.gateway.entrypoints.http.route_table import Route
from services.gateway.entrypoints.http.routes import ROUTES

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=1)
LEASE = timedelta(minutes=2)
MINE = fingerprint("POST", "/api/v1/payouts/run", b'{"a": 1}')
OTHER = fingerprint("POST", "/api/v1/payouts/run", b'{"a": 2}')
ANSWER = StoredResponse(200, b"[]", "application/json")


def in_flight(fp: bytes = MINE) -> KeyRecord:
    return KeyRecord(fp, T0, T0 + LEASE, None)


def done(fp: bytes = MINE) -> KeyRecord:
    return KeyRecord(fp, T0, None, ANSWER)


@pytest.mark.parametrize("key", [
    "8f14e45f-ceea-467a-bb2c-d8b8c0afc8d8", "k", "x" * 255, "run:2026-04/#1!~",
    "".join(chr(c) for c in range(0x21, 0x7F))[:255]])
def test_any_visible_ascii_key_up_to_255_is_taken(key: str) -> None:
    assert valid_key(key) == key


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "tab\there", "new\nline",
                                 "ключ", "caf\u00e9", "del\x7f", "nul\x00"])
def test_other_keys_are_validation_failed_on_the_header(key: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        valid_key(key)
    assert refused.value.field == "Idempotency-Key"
    assert refused.value.code == "validation_failed"


@given(st.text(max_size=300) | st.text(alphabet=st.characters(min_codepoint=0x20,
                                                               max_codepoint=0x7F)))
def test_the_documented_schema_takes_exactly_the_keys_the_gateway_takes(key: str) -> None:
    schema = IDEMPOTENCY_KEY["schema"]
    documented = (schema["minLength"] <= len(key) <= schema["maxLength"]
                  and re.fullmatch(schema["pattern"], key) is not None)
    try:
        taken = valid_key(key) == key
    except ValidationFailed:
        taken = False
    assert taken is documented


def test_the_fingerprint_covers_method_path_query_and_every_body_byte() -> None:
    base = fingerprint("POST", "/a?x=1", b'{"k":1}')
    assert base == fingerprint("POST", "/a?x=1", b'{"k":1}')
    assert len({base, fingerprint("PUT", "/a?x=1", b'{"k":1}'),
                fingerprint("POST", "/b?x=1", b'{"k":1}'),
                fingerprint("POST", "/a?x=2", b'{"k":1}'),
                fingerprint("POST", "/a?x=1", b'{"k": 1}')}) == 5


@given(st.text(), st.binary(), st.text(), st.binary())
def test_no_two_path_and_body_splits_share_a_fingerprint(path_a: str, body_a: bytes,
                                                         path_b: str, body_b: bytes) -> None:
    same = (path_a, body_a) == (path_b, body_b)
    assert (fingerprint("POST", path_a, body_a) == fingerprint("POST", path_b, body_b)) is same


def test_a_boundary_moved_between_path_and_body_is_another_request() -> None:
    assert fingerprint("POST", "/a", b"b") != fingerprint("POST", "/ab", b"")


def test_a_key_not_on_record_runs() -> None:
    assert decide(None, MINE, now=T0, window=WINDOW) is None


def test_the_same_request_answered_before_gets_the_stored_answer() -> None:
    assert decide(done(), MINE, now=T0 + WINDOW - timedelta(seconds=1), window=WINDOW) == ANSWER


@pytest.mark.parametrize("record", [done(OTHER), in_flight(OTHER),
                                    KeyRecord(OTHER, T0, T0, None)])
def test_another_request_with_the_key_is_refused_within_the_window(record: KeyRecord) -> None:
    with pytest.raises(IdempotencyKeyReused) as refused:
        decide(record, MINE, now=T0 + timedelta(minutes=59), window=WINDOW)
    assert "another request" in refused.value.message
    assert refused.value.field == "Idempotency-Key"


def test_the_same_request_while_the_first_runs_is_refused() -> None:
    with pytest.raises(IdempotencyRequestInProgress):
        decide(in_flight(), MINE, now=T0 + LEASE - timedelta(microseconds=1), window=WINDOW)


def test_an_in_flight_key_whose_lease_ran_out_is_taken_over() -> None:
    assert decide(in_flight(), MINE, now=T0 + LEASE, window=WINDOW) is None


def _runs(record: KeyRecord, now: datetime) -> bool:
    try:
        return decide(record, MINE, now=now, window=WINDOW) is None
    except (IdempotencyKeyReused, IdempotencyRequestInProgress):
        return False


@pytest.mark.parametrize("record", [done(), done(OTHER), in_flight(), in_flight(OTHER)])
def test_after_the_window_the_key_is_forgotten(record: KeyRecord) -> None:
    assert not _runs(record, T0 + LEASE - timedelta(seconds=1))
    assert _runs(record, T0 + WINDOW)


@pytest.mark.parametrize(("status", "kept"), [
    (200, True), (201, True), (204, True), (400, True), (402, True), (404, True), (409, True),
    (422, True), (500, False), (502, False), (503, False), (504, False)])
def test_answers_that_executed_are_kept_and_5xx_frees_the_key(status: int, kept: bool) -> None:
    assert keeps_response(status) is kept


class Body(BaseModel):
    note: str = ""


async def _local(_request: object, payload: dict[str, object]) -> dict[str, object]:
    return payload


IDEMPOTENT = Route("POST", "/api/v1/things/{id}/run", None, "Run a thing", "Things",
                   body=Body, local=_local, operation="things.run", idempotent=True,
                   path_params={"id": "thingId"})


@pytest.mark.parametrize("changes", [{"public": True}, {"method": "GET"}])
def test_only_authenticated_writes_can_be_idempotent(changes: dict[str, object]) -> None:
    fields = {"method": "POST", "path": "/x", "rpc": None, "summary": "s", "tag": "t",
              "local": _local, "operation": "x", "idempotent": True, **changes}
    with pytest.raises(ValueError, match="idempotent"):
        Route(**fields)  # type: ignore[arg-type]


def test_openapi_documents_the_key_header_its_409s_and_the_replay_header() -> None:
    op = build_openapi([IDEMPOTENT])["paths"][IDEMPOTENT.path]["post"]
    header = next(p for p in op["parameters"] if p["in"] == "header")
    assert header["name"] == "Idempotency-Key" and header["required"] is False
    assert header["schema"] == {"type": "string", "minLength": 1, "maxLength": 255,
                                "pattern": "^[!-~]+$"}
    conflict = op["responses"]["409"]["description"]
    assert "idempotency_key_reused" in conflict
    assert "idempotency_request_in_progress" in conflict
    for response in op["responses"].values():
        assert response["headers"]["Idempotency-Replayed"]["schema"] == {
            "type": "string", "enum": ["true"]}


def test_routes_that_are_not_idempotent_document_no_key() -> None:
    document = build_openapi(ROUTES)
    assert [r.path for r in ROUTES if r.idempotent] == ["/api/v1/payouts/run"]
    for route in ROUTES:
        if route.idempotent:
            continue
        op = document["paths"][route.path][route.method.lower()]
        assert all(p["name"] != "Idempotency-Key" for p in op["parameters"]), route.path
        assert all("headers" not in r for r in op["responses"].values()), route.path
