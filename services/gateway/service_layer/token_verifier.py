"""A bearer JWT from the configured OpenID Connect issuer, verified with PyJWT: the signature
against the issuer's JWKS (``adapters/jwks.py``), ``iss``, ``aud``, ``exp`` / ``nbf`` / ``iat``
with a small leeway, and the algorithm pinned twice: it must be one the settings accept
(never ``none``, never an HS* shared-secret one) and one the named key is for (an RSA key
verifies RS*/PS* only, a P-256 key ES256 only, and a key's own ``alg`` must match), so neither
an ``alg: none`` token, an HS256 token "signed" with the public key, nor an RS/ES swap gets
through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt

from libs.shared.errors import RekomiError
from libs.shared.settings import Settings
from services.gateway.adapters.jwks import JwksClient, JwksUnavailable
from services.gateway.domain.errors import Unauthorized

DEV_AUDIENCE = "rekomi-dev"  # the local dev issuer's tokens (`rekomi admin dev-token`)
# Asymmetric algorithms only, with the key type (and curve) each one verifies with.
KEY_TYPES: dict[str, tuple[str, str | None]] = {
    **{f"{family}{bits}": ("RSA", None) for family in ("RS", "PS") for bits in (256, 384, 512)},
    "ES256": ("EC", "P-256"), "ES384": ("EC", "P-384"), "ES512": ("EC", "P-521"),
    "EdDSA": ("OKP", None),
}
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud"]


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    issuer: str
    audiences: tuple[str, ...]
    algorithms: tuple[str, ...]
    leeway: float = 30.0


def pinned_algorithms(text: str) -> tuple[str, ...]:
    """The accepted algorithms; anything symmetric, ``none`` or unknown is a start-up error."""
    names = tuple(a.strip() for a in text.split(",") if a.strip())
    refused = [a for a in names if a not in KEY_TYPES]
    if refused or not names:
        raise ValueError(f"REKOMI_JWT_ALGORITHMS: {refused or 'empty'} not accepted; choose "
                         f"from {sorted(KEY_TYPES)} (never none or HS*)")
    return names


def issuer_of(settings: Settings) -> str:
    """The trusted issuer: the configured one, else in development the local dev issuer."""
    if settings.jwt_issuer or settings.env != "development":
        return settings.jwt_issuer
    return dev_issuer_url(settings)


def dev_issuer_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.dev_issuer_port or settings.gateway_port + 50}"


def audiences_of(settings: Settings) -> tuple[str, ...]:
    configured = tuple(a.strip() for a in settings.jwt_audience.split(",") if a.strip())
    if configured or issuer_of(settings) != dev_issuer_url(settings):
        return configured
    return (DEV_AUDIENCE,)


def policy_from_settings(settings: Settings) -> TokenPolicy | None:
    """The policy, or None when no issuer is trusted (JWTs are then refused). Production
    takes an https issuer only, so the local dev issuer can never be trusted there."""
    issuer = issuer_of(settings)
    if not issuer:
        return None
    if settings.env == "production" and urlsplit(issuer).scheme != "https":
        raise ValueError(f"REKOMI_JWT_ISSUER {issuer!r}: production trusts https issuers only "
                         "(the local dev issuer is refused)")
    audiences = audiences_of(settings)
    if not audiences:
        raise ValueError("REKOMI_JWT_AUDIENCE is required with REKOMI_JWT_ISSUER")
    return TokenPolicy(issuer=issuer, audiences=audiences,
                       algorithms=pinned_algorithms(settings.jwt_algorithms),
                       leeway=settings.jwt_leeway_seconds)


def key_fits(jwk: Mapping[str, Any], alg: str) -> bool:
    """Whether the JWK is one that verifies ``alg`` (its type, curve and own ``alg``)."""
    if alg not in KEY_TYPES:  # a symmetric algorithm: no JWK here verifies one
        return False
    kty, curve = KEY_TYPES[alg]
    if jwk.get("alg", alg) != alg or jwk.get("kty") != kty:
        return False
    return curve is None or jwk.get("crv") == curve


class JwtVerifier:
    def __init__(self, policy: TokenPolicy, jwks: JwksClient) -> None:
        self.policy = policy
        self.jwks = jwks
        # Parsed keys by (kid, alg, the JWK's identity): a rotated set brings new dicts.
        self._keys: dict[tuple[str, str, int], jwt.PyJWK] = {}

    async def claims(self, token: str) -> dict[str, Any]:
        """The verified claims, or 401 ``unauthorized`` saying what was wrong."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise Unauthorized("malformed token") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.policy.algorithms:
            raise Unauthorized(f"token algorithm {alg!r} is not accepted")
        if not isinstance(kid, str):
            raise Unauthorized("token names no signing key (kid)")
        try:
            jwk = await self.jwks.key(kid)
        except JwksUnavailable:
            raise RekomiError("the sign-in issuer's keys cannot be fetched; retry shortly",
                              code="upstream_unavailable") from None
        if jwk is None:
            raise Unauthorized("token signed with an unknown key")
        if not key_fits(jwk, alg):
            raise Unauthorized(f"token algorithm {alg!r} does not match its key")
        try:
            return jwt.decode(token, key=self._key(kid, alg, jwk),
                              algorithms=list(self.policy.algorithms),
                              audience=list(self.policy.audiences), issuer=self.policy.issuer,
                              leeway=self.policy.leeway,
                              options={"require": REQUIRED_CLAIMS, "verify_signature": True})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("token expired") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"invalid token: {exc}") from None

    def _key(self, kid: str, alg: str, jwk: Mapping[str, Any]) -> jwt.PyJWK:
        cache_key = (kid, alg, id(jwk))
        key = self._keys.get(cache_key)
        if key is None:
            if len(self._keys) > 64:  # keys rotated many times: start over
                self._keys.clear()
            key = self._keys[cache_key] = jwt.PyJWK(dict(jwk), algorithm=alg)
        return key
