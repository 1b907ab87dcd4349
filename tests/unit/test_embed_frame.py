"""The gateway's own embed page's rules (services/gateway/domain/embed_frame.py): a browser's
same-origin call stands for the gateway's origin, nothing else does; the page may be framed by
the token's origins alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.gateway.domain.embed import EmbedToken
from services.gateway.domain.embed_frame import caller_origin, frame_ancestors

OWN = "https://rekomi.example.com"


@pytest.mark.parametrize(("origin", "fetch_site", "caller"), [
    (None, "same-origin", OWN),  # the gateway's own page: browsers send no Origin on a GET
    (None, None, None),  # a server: still origin_required
    (None, "cross-site", None),
    (None, "same-site", None),  # a sibling subdomain is another origin
    (None, "none", None),  # typed into the address bar
    ("https://yourapp.com", "cross-site", "https://yourapp.com"),
    ("https://yourapp.com", "same-origin", "https://yourapp.com"),  # a sent Origin wins
    ("null", "cross-site", "null"),
])
def test_only_a_same_origin_call_without_origin_is_the_gateways(
        origin: str | None, fetch_site: str | None, caller: str | None) -> None:
    assert caller_origin(origin, fetch_site, OWN) == caller


def test_no_public_origin_leaves_a_same_origin_call_without_one() -> None:
    assert caller_origin(None, "same-origin", None) is None


def _token(*origins: str) -> EmbedToken:
    return EmbedToken(id=uuid.uuid4(), org_id=uuid.uuid4(), program_id=uuid.uuid4(),
                      affiliate_id=uuid.uuid4(), allowed_origins=origins,
                      expires_at=datetime(2026, 5, 14, tzinfo=UTC))


def test_the_page_may_be_framed_by_the_tokens_origins_alone() -> None:
    assert frame_ancestors(_token("https://yourapp.com", OWN)) == f"https://yourapp.com {OWN}"
    assert frame_ancestors(_token()) == "'none'"
    assert frame_ancestors(None) is None
