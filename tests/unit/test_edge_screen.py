"""The edge's text screen: NUL and undecodable text in a path, query or header is a 400 naming
it, before any service sees the request."""

from __future__ import annotations

import contextlib
import json

import pytest
from aiohttp.test_utils import make_mocked_request
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict

from libs.shared import jsonutil
from libs.shared.errors import ValidationFailed
from services.gateway.domain.errors import InvalidJson
from services.gateway.entrypoints.http.parsing import _json_object, _repeats_a_key, screen_text


def _screened(url: str, headers: dict[str, str] | None = None,
              match_info: dict[str, str] | None = None) -> str | None:
    request = make_mocked_request("GET", url, headers=CIMultiDict(headers or {}),
                                  match_info=match_info or {})
    try:
        screen_text(request)
    except ValidationFailed as refused:
        return refused.field
    return None


@pytest.mark.parametrize(("url", "headers", "match_info", "field"), [
    ("/r/%00", None, {"slug": "\x00"}, "slug"),
    ("/x?host=%00", None, None, "host"),
    ("/x?q=a%00b", None, None, "q"),
    ("/x?%00=1", None, None, "\\x00"),
    # (Undecodable header bytes need a raw socket: tests/e2e/test_edge_hardening.py.)
])
def test_nul_and_undecodable_text_is_refused_naming_the_field(
        url: str, headers: dict[str, str] | None, match_info: dict[str, str] | None,
        field: str) -> None:
    assert _screened(url, headers, match_info) == field


def test_ordinary_and_non_ascii_text_passes() -> None:
    assert _screened("/x?q=%C3%A9t%C3%A9&take=5", {"User-Agent": "Mozilla/5.0 é"},
                     {"handle": "café"}) is None


# ---- a JSON object with a repeated key ---------------------------------------------------------
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab":{} \\'),
    lambda inner: st.lists(inner, max_size=3)
    | st.lists(st.tuples(st.sampled_from(["a", "b", 'c":', " "]), inner), max_size=3),
    max_leaves=8)


def _text(value: object) -> str:
    """JSON text of ``value``, where a list of pairs is an object that may repeat a key."""
    if isinstance(value, list) and value and all(isinstance(v, tuple) for v in value):
        return "{" + " , ".join(f"{json.dumps(k)} : {_text(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_text(v) for v in value) + "]"
    return json.dumps(value)


def _exact(raw: str) -> bool:
    repeated = False

    def hook(pairs: list[tuple[str, object]]) -> dict[str, object]:
        nonlocal repeated
        repeated |= len({k for k, _ in pairs}) != len(pairs)
        return dict(pairs)

    json.loads(raw, object_pairs_hook=hook)
    return repeated


@given(JSON_VALUES, st.booleans())
def test_a_repeated_key_is_found_wherever_it_is(value: object, tight: bool) -> None:
    raw = _text(value)
    if tight:
        raw = raw.replace(" : ", ":").replace(" , ", ",")
    assert _repeats_a_key(raw.encode(), jsonutil.loads(raw)) == _exact(raw)


def test_nesting_is_refused_past_64_levels() -> None:
    at_limit = b'{"a":' + b"[" * 63 + b"]" * 63 + b"}"
    assert _json_object(at_limit)
    with pytest.raises(InvalidJson, match="deeper than 64"):
        _json_object(b'{"a":' + b"[" * 64 + b"]" * 64 + b"}")


@pytest.mark.parametrize("depth", [900, 1000, 1023, 2000])
def test_deep_nesting_is_a_json_answer_not_a_recursion_error(depth: int) -> None:
    for inner in (b"", b'"x:y"', b'{"a":1,"a":2}'):
        raw = b'{"a":' + b"[" * depth + inner + b"]" * depth + b"}"
        with contextlib.suppress(InvalidJson):
            _json_object(raw)
