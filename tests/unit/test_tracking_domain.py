"""Pure tracking rules: attribution params, device class, country, cookies, touch models."""

from __future__ import annotations

import pytest

from libs.contracts.attribution import DEFAULT_PARAMS
from libs.contracts.tracking import DeviceClass
from libs.shared.errors import RekomiError
from services.tracking.domain import visits
from services.tracking.domain.attribution import effective_order, parse_custom


def test_parse_custom_trims_and_dedupes() -> None:
    assert parse_custom(" my_aff , brand-ref,my_aff,, ") == ["my_aff", "brand-ref"]
    assert parse_custom(None) == [] and parse_custom("  ") == []


@pytest.mark.parametrize(("raw", "code"), [
    ("a" * 257, "attribution_params_too_long"),
    (",".join(f"p{i:02d}" for i in range(11)), "too_many_attribution_params"),
    ("ok,X", "invalid_attribution_param"),
    ("ok," + "a" * 33, "invalid_attribution_param"),
])
def test_parse_custom_refuses(raw: str, code: str) -> None:
    with pytest.raises(RekomiError) as caught:
        parse_custom(raw)
    assert caught.value.code == code and caught.value.field == "custom"


def test_invalid_entries_are_listed() -> None:
    with pytest.raises(RekomiError) as caught:
        parse_custom("good,B!,z")
    assert caught.value.extra == {"invalid": ["B!", "z"]}


def test_effective_order_puts_custom_first_without_repeats() -> None:
    assert effective_order(None) == list(DEFAULT_PARAMS)
    assert effective_order("mine,via,ref") == ["mine", *DEFAULT_PARAMS]


@pytest.mark.parametrize(("ua", "device"), [
    (None, DeviceClass.Bot),
    ("", DeviceClass.Bot),
    ("Mozilla/5.0 (compatible; bingbot/2.0)", DeviceClass.Bot),
    ("curl/8.5.0", DeviceClass.Bot),
    ("Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/126.0", DeviceClass.Bot),
    ("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) Mobile/15E148", DeviceClass.Tablet),
    ("Mozilla/5.0 (Linux; Android 14; SM-X710) Safari/537.36", DeviceClass.Tablet),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36", DeviceClass.Mobile),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", DeviceClass.Mobile),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0", DeviceClass.Desktop),
])
def test_device_class(ua: str | None, device: DeviceClass) -> None:
    assert visits.device_class(ua) == device


@pytest.mark.parametrize(("header", "country"), [
    ("de", "DE"), (" US ", "US"), ("XX", "unknown"), ("T1", "unknown"), (None, "unknown"),
    ("GBR", "unknown")])
def test_country(header: str | None, country: str) -> None:
    assert visits.country(header) == country


def test_hosts_queries_and_utm() -> None:
    assert visits.host_of("https://WWW.Example.com:8443/x") == "www.example.com"
    assert visits.host_of("not a url") is None and visits.host_of(None) is None
    query = visits.query_of("https://b/?via=a&via=b&utm_source=x")
    assert query == {"via": "a", "utm_source": "x"}
    assert visits.utm(query)["utm_source"] == "x" and visits.utm(query)["utm_term"] is None


def test_cookie_round_trip_and_garbage() -> None:
    ref = visits.Referral("jane", "p1", 1_700_000_000)
    assert visits.parse_cookie(visits.cookie_value(ref)) == ref
    for junk in (None, "", "jane", "a.b.c.d.notnum", ".p.1"):
        assert visits.parse_cookie(junk) is None


NOW = 1_700_000_000
FIRST = visits.Referral("first", "p", NOW - 86400)
SECOND = visits.Referral("second", "p", NOW)


@pytest.mark.parametrize(("model", "current", "window", "winner"), [
    ("FirstTouch", FIRST, 30, FIRST),
    ("LastTouch", FIRST, 30, SECOND),
    ("FirstTouch", None, 30, SECOND),
    ("FirstTouch", FIRST, 1, SECOND),  # the first referral's window has run out
    ("FirstTouch", visits.Referral("other", "q", NOW - 10), 30, SECOND),  # another program
    ("FirstTouch", visits.Referral("future", "p", NOW + 999), 30, SECOND),  # forged time
])
def test_attribute(model: str, current: visits.Referral | None, window: int,
                   winner: visits.Referral) -> None:
    assert visits.attribute(model, SECOND, current, window) == winner


def test_candidates_skip_utm_and_odd_values() -> None:
    query = {"via": "Jane-1", "utm_source": "news", "x": "jane", "my_aff": "a b", "ref": "ok"}
    assert visits.candidates(query) == [("via", "jane-1"), ("ref", "ok")]
    many = {f"p{i:02d}": "slug" for i in range(50)}
    assert len(visits.candidates(many)) == visits.MAX_CANDIDATES
