"""The dashboard sign-in's settings: OpenID Connect JWTs, checked by the gateway (README
"Dashboard sign-in"). ``libs.shared.settings.Settings`` inherits them, so they are read as
every other setting is (prefix ``REKOMI_``)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class SignInSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REKOMI_", extra="ignore")

    # The issuer (the token's ``iss``, exactly). Empty: JWTs are refused, except in development,
    # where the dev issuer `rekomi run` serves is trusted. Outside development: https only.
    jwt_issuer: str = ""
    # The JWKS URL; empty: ``jwks_uri`` of ``<issuer>/.well-known/openid-configuration``.
    jwt_jwks_url: str = ""
    # Accepted ``aud`` values, comma-separated (a token must name one of them).
    jwt_audience: str = ""
    # The signature algorithms accepted, pinned; HS* and "none" are refused at start.
    jwt_algorithms: str = "RS256,ES256"
    # Clock skew allowed on exp / nbf / iat.
    jwt_leeway_seconds: float = 30.0
    # How long fetched signing keys are used before they are fetched again; a token naming an
    # unknown ``kid`` fetches them at once, but at most once per min-refresh interval.
    jwt_jwks_cache_seconds: float = 600.0
    jwt_jwks_min_refresh_seconds: float = 5.0
    jwt_jwks_timeout_seconds: float = 5.0
    # Where the claims are (a claim name, or a dotted path into nested claims such as
    # Keycloak's "realm_access.roles"; a name that exists as is wins over the path).
    jwt_user_claim: str = "sub"  # the audit log's actorUserId
    jwt_org_claim: str = "org_id"  # the org's id (a uuid), for brand operators
    jwt_role_claim: str = "role"  # a role name, a list of them, or an object keyed by them
    # IdP role names -> Owner | Manager | Viewer ("org:admin=Owner,org:member=Viewer"); the
    # names Owner, Manager, Viewer themselves (any case) always map to themselves.
    jwt_role_map: str = ""
    jwt_email_claim: str = "email"
    jwt_email_verified_claim: str = "email_verified"
    # The affiliate's identity on affiliate-side routes: this claim's value is the e-mail the
    # ledger knows the affiliate by, and it must be verified (``jwt_email_verified_claim``).
    jwt_affiliate_claim: str = "email"
    # How long a gateway keeps an affiliate's resolved memberships (asked of the ledger).
    jwt_affiliate_cache_seconds: float = 30.0
    # The local dev issuer (`rekomi run` in development; refused in production): its port
    # (0: gateway_port + 50) and where it keeps its signing key.
    dev_issuer_port: int = 0
    dev_issuer_dir: str = ".run/dev-issuer"
