"""The JWT verifier against a real issuer: discovery and JWKS over HTTP from a local aiohttp
server (tests/common/oidc_issuer.py), tokens signed with its keys or forged against them.

Each attack must be refused with 401, and each refusal must be the check that is meant to
catch it (the message says which), not an accident of another check."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Iterator

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from libs.shared.errors import RekomiError
from libs.shared.settings import Settings
from services.gateway.adapters.jwks import JwksClient
from services.gateway.domain.errors import Unauthorized
from services.gateway.service_layer.token_verifier import (
    JwtVerifier,
    TokenPolicy,
    pinned_algorithms,
    policy_from_settings,
)
from tests.common.oidc_issuer import AUDIENCE, TestIssuer


@pytest.fixture(scope="module")
def issuer() -> Iterator[TestIssuer]:
    running = TestIssuer().start()
    running.add_key("RS256")
    running.add_key("ES256")
    yield running
    running.stop()


def verifier_for(issuer: TestIssuer, *, min_refresh: float = 0.0, leeway: float = 5.0,
                 algorithms: tuple[str, ...] = ("RS256", "ES256")) -> JwtVerifier:
    policy = TokenPolicy(issuer=issuer.url, audiences=(AUDIENCE,), algorithms=algorithms,
                         leeway=leeway)
    return JwtVerifier(policy, JwksClient(issuer.url, min_refresh_seconds=min_refresh))


@pytest.fixture
async def verifier(issuer: TestIssuer) -> AsyncIterator[JwtVerifier]:
    made = verifier_for(issuer)
    yield made
    await made.jwks.close()


async def refused(verifier: JwtVerifier, token: str, why: str) -> None:
    with pytest.raises(Unauthorized) as caught:
        await verifier.claims(token)
    assert why in caught.value.message, caught.value.message


def b64(data: dict[str, object] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def test_a_good_token_of_either_key_verifies(issuer: TestIssuer,
                                                   verifier: JwtVerifier) -> None:
    for kid in issuer.published:
        claims = await verifier.claims(issuer.sign(issuer.claims(role="Owner"), kid))
        assert claims["role"] == "Owner" and claims["iss"] == issuer.url
    assert issuer.discovery_fetches >= 1  # the JWKS URL came from the discovery document


async def test_time_claims_with_leeway(issuer: TestIssuer, verifier: JwtVerifier) -> None:
    await refused(verifier, issuer.sign(issuer.claims(exp_in=-60)), "token expired")
    # Inside the leeway (5 s here) an expired-by-a-second token still passes; nbf likewise.
    await verifier.claims(issuer.sign(issuer.claims(exp_in=-1)))
    now = int(time.time())
    await refused(verifier, issuer.sign(issuer.claims(nbf=now + 120)), "not yet valid")
    await verifier.claims(issuer.sign(issuer.claims(nbf=now + 2)))
    no_exp = issuer.claims()
    del no_exp["exp"]
    await refused(verifier, issuer.sign(no_exp), '"exp"')


async def test_audience_and_issuer_must_match(issuer: TestIssuer,
                                              verifier: JwtVerifier) -> None:
    await refused(verifier, issuer.sign(issuer.claims(aud="someone-else")), "Audience")
    await refused(verifier, issuer.sign(issuer.claims(iss="https://evil.example")),
                  "Invalid issuer")
    no_aud = issuer.claims()
    del no_aud["aud"]
    await refused(verifier, issuer.sign(no_aud), '"aud"')


async def test_unknown_kid_fetches_the_keys_again_and_rotation_retires_old_ones(
        issuer: TestIssuer) -> None:
    verifier = verifier_for(issuer)
    try:
        old = issuer.published[0]
        await verifier.claims(issuer.sign(issuer.claims(), old))
        fetches = issuer.jwks_fetches
        new = issuer.rotate("RS256")
        # The cached set lacks the new kid: fetched again at once, and the token passes.
        await verifier.claims(issuer.sign(issuer.claims(), new))
        assert issuer.jwks_fetches == fetches + 1
        # The retired key is gone from the set fetched: its tokens are refused now.
        await refused(verifier, issuer.sign(issuer.claims(), old), "unknown key")
        # A key the issuer never published: fetched again, still unknown.
        hidden = issuer.add_key("RS256", publish=False)
        await refused(verifier, issuer.sign(issuer.claims(), hidden), "unknown key")
    finally:
        issuer.published = list(issuer.keys)[:2]
        await verifier.jwks.close()


async def test_made_up_kids_cannot_make_the_gateway_hammer_the_issuer(
        issuer: TestIssuer) -> None:
    verifier = verifier_for(issuer, min_refresh=60.0)
    try:
        await verifier.claims(issuer.sign(issuer.claims(), issuer.published[0]))
        fetches = issuer.jwks_fetches
        forged = [issuer.sign(issuer.claims(), issuer.add_key("RS256", publish=False))
                  for _ in range(3)]
        for token in forged * 3:
            await refused(verifier, token, "unknown key")
        assert issuer.jwks_fetches == fetches  # within min_refresh: no fetch at all
    finally:
        await verifier.jwks.close()


async def test_concurrent_first_tokens_share_one_fetch(issuer: TestIssuer) -> None:
    verifier = verifier_for(issuer)
    try:
        fetches = issuer.jwks_fetches
        token = issuer.sign(issuer.claims(), issuer.published[0])
        await asyncio.gather(*(verifier.claims(token) for _ in range(20)))
        assert issuer.jwks_fetches == fetches + 1
    finally:
        await verifier.jwks.close()


async def test_alg_none_is_refused(issuer: TestIssuer, verifier: JwtVerifier) -> None:
    kid = issuer.published[0]
    token = f"{b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{b64(issuer.claims())}."
    await refused(verifier, token, "'none' is not accepted")
    for spelling in ("None", "NONE", ""):
        header = b64({"alg": spelling, "kid": kid})
        await refused(verifier, f"{header}.{b64(issuer.claims())}.", "is not accepted")


async def test_hs256_signed_with_the_public_key_is_refused(issuer: TestIssuer,
                                                           verifier: JwtVerifier) -> None:
    kid = issuer.published[0]
    public_pem = issuer.keys[kid][0].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{b64(issuer.claims())}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    await refused(verifier, f"{signing_input}.{b64(mac)}", "'HS256' is not accepted")
    # Even with HS256 wrongly configured as accepted, the RSA key never verifies it.
    lax = verifier_for(issuer, algorithms=("RS256", "HS256"))
    try:
        await refused(lax, f"{signing_input}.{b64(mac)}", "does not match its key")
    finally:
        await lax.jwks.close()


async def test_rs_and_es_cannot_be_swapped(issuer: TestIssuer, verifier: JwtVerifier) -> None:
    rsa_kid, ec_kid = issuer.published[:2]
    # An ES256 token naming the RSA key, and an RS256 token naming the EC key.
    es_on_rsa = jwt.encode(issuer.claims(), issuer.keys[ec_kid][0], algorithm="ES256",
                           headers={"kid": rsa_kid})
    await refused(verifier, es_on_rsa, "does not match its key")
    rs_on_ec = jwt.encode(issuer.claims(), issuer.keys[rsa_kid][0], algorithm="RS256",
                          headers={"kid": ec_kid})
    await refused(verifier, rs_on_ec, "does not match its key")
    # The right algorithm, the right kid, another key's signature.
    impostor = issuer.add_key("RS256", publish=False)
    forged = jwt.encode(issuer.claims(), issuer.keys[impostor][0], algorithm="RS256",
                        headers={"kid": rsa_kid})
    await refused(verifier, forged, "Signature verification failed")


async def test_malformed_tokens_and_tokens_without_kid(issuer: TestIssuer,
                                                       verifier: JwtVerifier) -> None:
    await refused(verifier, "not.a.jwt", "malformed token")
    kid = issuer.published[0]
    no_kid = jwt.encode(issuer.claims(), issuer.keys[kid][0], algorithm="RS256")
    await refused(verifier, no_kid, "names no signing key")


async def test_an_unreachable_issuer_is_a_503_not_a_401(issuer: TestIssuer) -> None:
    policy = TokenPolicy(issuer="http://127.0.0.1:9", audiences=(AUDIENCE,),
                         algorithms=("RS256",))
    verifier = JwtVerifier(policy, JwksClient(policy.issuer, timeout_seconds=1.0))
    try:
        with pytest.raises(RekomiError) as caught:
            await verifier.claims(issuer.sign(issuer.claims(), issuer.published[0]))
        assert caught.value.code == "upstream_unavailable"
    finally:
        await verifier.jwks.close()


def test_settings_refuse_symmetric_algorithms_and_http_issuers_in_production() -> None:
    for bad in ("HS256", "RS256,HS512", "none", "RS256,none", ""):
        with pytest.raises(ValueError):
            pinned_algorithms(bad)
    assert pinned_algorithms(" RS256, ES256 ") == ("RS256", "ES256")
    with pytest.raises(ValueError, match="https"):
        policy_from_settings(Settings(env="production", jwt_issuer="http://127.0.0.1:8130",
                                      jwt_audience="rekomi-dev"))
    with pytest.raises(ValueError, match="AUDIENCE"):
        policy_from_settings(Settings(env="production", jwt_issuer="https://id.example"))
    assert policy_from_settings(Settings(env="production")) is None  # no issuer: keys only
    # Development without an issuer trusts the local dev issuer, and only there.
    dev = policy_from_settings(Settings(env="development", gateway_port=8080))
    assert dev is not None and dev.issuer == "http://127.0.0.1:8130"
    assert dev.audiences == ("rekomi-dev",)
    assert policy_from_settings(Settings(env="test")) is None
