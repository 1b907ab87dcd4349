"""The edge's text screen: NUL and undecodable text in a path, query or header is a 400 naming
it, before any service sees the request."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from libs.shared.errors import ValidationFailed
from services.gateway.entrypoints.http.parsing import screen_text


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
