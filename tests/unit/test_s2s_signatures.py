"""The inbound S2S signature check, the S2S plan gate and the X-Rekomi-Api-Key fallback."""

from __future__ import annotations

import hashlib
import hmac
import uuid

import pytest
from aiohttp.test_utils import make_mocked_request

from libs.contracts.conversions import LIST_CONVERSIONS
from libs.contracts.s2s import ACCEPT_SALE
from libs.shared.errors import RekomiError
from services.gateway.domain.access import require_s2s as s2s_gate
from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.domain.principal import Principal
from services.gateway.domain.scopes import Scope
from services.gateway.domain.signatures import (
    InvalidSignature,
    StaleSignature,
    header_value,
    parse_header,
    verify,
)
from services.gateway.entrypoints.http.middleware import credentials
from services.gateway.entrypoints.http.route_table import Route

SECRET = "rks_test"
BODY = b'{"externalEventId":"e1"}'
NOW = 1_715_366_423


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header_value(SECRET, NOW, BODY) == f"t={NOW},sig={expected}"
    verify(SECRET, header_value(SECRET, NOW, BODY), BODY, NOW + 299)
    verify(SECRET, header_value(SECRET, NOW, BODY).upper().replace("T=", "t=")
           .replace("SIG=", "sig="), BODY, NOW)


@pytest.mark.parametrize("header", [None, "", "t=abc,sig=00", "sig=00", "t=1", "t=1,sig=",
                                    "garbage", "t=99999999999999,sig=00",
                                    f"t=²,sig={'a' * 64}", f"t=١٢,sig={'a' * 64}"])
def test_malformed_headers(header: str | None) -> None:
    with pytest.raises(InvalidSignature):
        parse_header(header)


@pytest.mark.parametrize("sig", ["é", "é" * 64, "a" * 63, "g" * 64, "a" * 63 + "²", "0" * 65])
def test_a_signature_that_is_not_64_hex_digits_is_invalid_not_an_error(sig: str) -> None:
    # Non-ASCII made hmac.compare_digest raise: a 500.
    with pytest.raises(InvalidSignature):
        verify(SECRET, f"t={NOW},sig={sig}", BODY, NOW)


def test_wrong_secret_body_or_stale_time_fail() -> None:
    good = header_value(SECRET, NOW, BODY)
    with pytest.raises(InvalidSignature):
        verify("rks_other", good, BODY, NOW)
    with pytest.raises(InvalidSignature):
        verify(SECRET, good, BODY + b" ", NOW)
    for now in (NOW + 301, NOW - 301):
        with pytest.raises(StaleSignature):
            verify(SECRET, good, BODY, now)


def _principal(plan: Tier, status: SubscriptionStatus) -> Principal:
    return Principal(uuid.uuid4(), uuid.uuid4(), Scope.read_write, plan, status)


def test_s2s_gate_accepts_trials_and_refuses_no_subscription() -> None:
    s2s_gate(_principal(Tier.Trial, SubscriptionStatus.Trialing))
    s2s_gate(_principal(Tier.Starter, SubscriptionStatus.Active))
    for plan, status in ((Tier.Pro, SubscriptionStatus.None_),
                         (Tier.Trial, SubscriptionStatus.Active),
                         (Tier.Pro, SubscriptionStatus.Canceled)):
        with pytest.raises(RekomiError) as caught:
            s2s_gate(_principal(plan, status))
        assert caught.value.code == "plan_tier_required"


def test_api_key_header_stands_in_for_a_bearer_only_on_s2s_routes() -> None:
    s2s = Route("POST", "/api/tracking/s2s", ACCEPT_SALE, "", "")
    other = Route("GET", "/api/v1/conversions", LIST_CONVERSIONS, "", "")
    alt = {"X-Rekomi-Api-Key": "rk_live_abc"}
    request = make_mocked_request("POST", "/api/tracking/s2s", headers=alt)
    assert credentials(request, s2s) == "Bearer rk_live_abc"
    assert credentials(request, other) is None
    both = make_mocked_request("POST", "/", headers={**alt, "Authorization": "Bearer rk_x"})
    assert credentials(both, s2s) == "Bearer rk_x"
