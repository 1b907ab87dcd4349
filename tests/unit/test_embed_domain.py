"""Embed tokens' pure rules (services/gateway/domain/embed.py): origins parsed exactly, the
lifetime clamp, and the public dashboard's admission in the reference's order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.shared.errors import RekomiError, ValidationFailed
from services.gateway.domain import secrets
from services.gateway.domain.embed import (
    EmbedToken,
    admit,
    allowed_origins,
    allows,
    lifetime,
    origin_of,
)

NOW = datetime(2026, 5, 14, 12, tzinfo=UTC)


def token(*origins: str, expires_at: datetime = NOW + timedelta(hours=1)) -> EmbedToken:
    return EmbedToken(id=uuid.uuid4(), org_id=uuid.uuid4(), program_id=uuid.uuid4(),
                      affiliate_id=uuid.uuid4(), allowed_origins=origins,
                      expires_at=expires_at)


@pytest.mark.parametrize(("text", "origin"), [
    ("https://yourapp.com", "https://yourapp.com"),
    ("https://yourapp.com/", "https://yourapp.com"),  # a pasted URL's lone slash
    ("HTTPS://App.YourApp.COM", "https://app.yourapp.com"),
    ("https://yourapp.com:443", "https://yourapp.com"),  # the default port, as browsers omit it
    ("http://yourapp.com:80", "http://yourapp.com"),
    ("https://yourapp.com:8443", "https://yourapp.com:8443"),
    ("http://localhost:3000", "http://localhost:3000"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("http://[0:0:0:0:0:0:0:1]:8080", "http://[::1]:8080"),
    ("https://my-app.example.co.uk", "https://my-app.example.co.uk"),
])
def test_origins_are_serialised_as_browsers_send_them(text: str, origin: str) -> None:
    assert origin_of(text) == origin


@pytest.mark.parametrize("text", [
    "", "yourapp.com", "//yourapp.com", "https://", "https://*.yourapp.com", "*",
    "https://yourapp.com/app", "https://yourapp.com?x=1", "https://yourapp.com#top",
    "https://user@yourapp.com", "ftp://yourapp.com", "chrome-extension://abc", "null",
    "file://", "https://yourapp.com:0", "https://yourapp.com:65536", "https://yourapp.com:",
    "https://-bad.com", "https://bad-.com", "https://a..com", "https://yourapp.com.",
    "https://your app.com", "https://yourapp.com ", "https://[::g]", "https://" + "a" * 64,
    "https://ünïcode.com",
])
def test_anything_else_is_not_an_origin(text: str) -> None:
    assert origin_of(text) is None


def test_allowed_origins_are_exact_ordered_and_unique() -> None:
    assert allowed_origins("https://yourapp.com,https://app.yourapp.com") == (
        "https://yourapp.com", "https://app.yourapp.com")
    assert allowed_origins(" https://a.com , , https://A.com:443/,http://a.com ") == (
        "https://a.com", "http://a.com")
    assert allowed_origins(None) == allowed_origins("") == allowed_origins(" , ") == ()


def test_an_invalid_entry_is_refused_by_name() -> None:
    with pytest.raises(ValidationFailed) as refused:
        allowed_origins("https://ok.com, https://*.yourapp.com")
    assert refused.value.field == "allowedOrigins"
    assert "'https://*.yourapp.com'" in refused.value.message
    with pytest.raises(ValidationFailed):
        allowed_origins(",".join(f"https://a{n}.com" for n in range(21)))
    assert len(allowed_origins(",".join(f"https://a{n}.com" for n in range(20)))) == 20


@pytest.mark.parametrize(("hours", "expected"), [
    (None, 24), (1, 1), (24, 24), (720, 720), (0, 1), (-5, 1), (721, 720), (10**30, 720)])
def test_lifetime_defaults_to_a_day_and_is_clamped_to_30_days(hours: int | None,
                                                              expected: int) -> None:
    assert lifetime(hours) == timedelta(hours=expected)


def _refusal(t: EmbedToken | None, origin: str | None, now: datetime = NOW) -> str:
    with pytest.raises(RekomiError) as refused:
        admit(t, origin, now)
    return refused.value.code


def test_admission_fails_in_the_reference_order() -> None:
    live = token("https://yourapp.com", "http://localhost:3000")
    assert admit(live, "https://yourapp.com", NOW) == "https://yourapp.com"
    assert admit(live, "http://localhost:3000", NOW) == "http://localhost:3000"
    assert _refusal(None, "https://yourapp.com") == "embed_token_invalid"
    expired = token("https://yourapp.com", expires_at=NOW)
    assert _refusal(expired, "https://yourapp.com") == "token_expired"
    assert _refusal(expired, None) == "token_expired"  # the token is judged first
    assert _refusal(token(), "https://yourapp.com") == "no_allowed_origins_configured"
    assert _refusal(token(), None) == "no_allowed_origins_configured"
    assert _refusal(live, None) == "origin_required"
    for bad in ("null", "", "https://yourapp.com/path", "yourapp.com"):
        assert _refusal(live, bad) == "origin_invalid"
    for other in ("https://evil.com", "http://yourapp.com", "https://yourapp.com:8443",
                  "https://app.yourapp.com", "https://yourapp.com.evil.com"):
        assert _refusal(live, other) == "origin_not_allowed"


def test_cors_names_only_an_allowed_origin_as_sent() -> None:
    live = token("https://yourapp.com")
    assert allows(live, "https://yourapp.com") == "https://yourapp.com"
    assert allows(live, "https://evil.com") is None
    assert allows(live, None) is None
    assert allows(None, "https://yourapp.com") is None
    # An expired token still names its origins: the browser may read the 401 it gets.
    assert allows(token("https://yourapp.com", expires_at=NOW), "https://yourapp.com")


@given(st.text(max_size=40))
def test_what_origin_of_accepts_it_returns_unchanged(text: str) -> None:
    origin = origin_of(text)
    if origin is not None:
        assert origin_of(origin) == origin
        assert "*" not in origin and origin.count("/") == 2


def test_embed_tokens_are_prefixed_base62_and_fresh() -> None:
    a, b = secrets.new_embed_token(), secrets.new_embed_token()
    assert a != b and a.startswith("rk_embed_") and len(a) == len("rk_embed_") + 40
    assert a[len("rk_embed_"):].isalnum() and a.isascii()
