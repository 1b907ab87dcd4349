"""The cheap NUL screen in front of ``ApiModel``'s walk never lets a NUL through: the model
refuses exactly the input the walk alone finds a NUL in, at the same field."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.contracts.common import ApiModel, _may_hold_nul, _nul_path
from libs.shared.errors import ValidationFailed

TEXT = st.text(alphabet=st.sampled_from(["a", "\x00", "\\", "u", "0", "é"]), max_size=8)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=12)


class Loose(ApiModel):
    model_config = {"extra": "allow"}


@given(st.dictionaries(TEXT, JSONISH, max_size=4))
def test_model_refuses_exactly_what_the_walk_finds(data: dict[str, Any]) -> None:
    field = _nul_path(data, ())
    if field is None:
        Loose.model_validate(data)
        return
    with pytest.raises(ValidationFailed) as caught:
        Loose.model_validate(data)
    assert caught.value.field == (field or None)


@pytest.mark.parametrize("data", [
    {"a": ["b", {"c": "x\x00"}]},
    {"key\x00": "v"},
    {1: "not a JSON key"},  # the codec refuses it: the walk decides
    {"blob": b"\x00"},
])
def test_screen_sends_anything_doubtful_to_the_walk(data: dict[Any, Any]) -> None:
    assert _may_hold_nul(data)


def test_screen_passes_clean_text_including_a_literal_backslash_u() -> None:
    assert not _may_hold_nul({"a": "plain", "b": ["é", 1, None]})
    # "\\u0000" typed literally is escaped as "\\\\u0000": a false alarm the walk then clears.
    assert _may_hold_nul({"a": "\\u0000"}) and _nul_path({"a": "\\u0000"}, ()) is None


def test_screen_passes_ids_read_from_the_database() -> None:
    """asyncpg returns its own ``uuid.UUID`` subclass, which orjson does not write by itself:
    such ids must not send every model built from a row to the slow walk."""
    from asyncpg.pgproto.pgproto import UUID

    row_id = UUID("e0e03e36-b245-453c-bf68-2995402d93c5")
    assert not _may_hold_nul({"affiliateId": row_id, "note": "plain"})
    assert _may_hold_nul({"affiliateId": row_id, "note": "x\x00"})
