"""Who may call a route besides its API-key scope: the kind of credential it takes (``Auth``)
and, for brand operators signed in to the dashboard, their role in the org (``Role``).

Every authenticated route declares both in the route table (``Route.auth``, ``Route.role``);
``tests/unit/test_route_roles.py`` fails for a route that admits operators without a role
decision, and holds each decision to the inventory's "Role (JWT)" column."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Role(IntEnum):
    """A brand operator's role in the org: Owner > Manager > Viewer (each has what the lower
    ones have)."""

    Viewer = 1
    Manager = 2
    Owner = 3

    @classmethod
    def named(cls, name: str) -> Role | None:
        """The role called ``name`` in any case ("owner", "Owner"), else None."""
        return _BY_NAME.get(name.strip().lower())


_BY_NAME = {role.name.lower(): role for role in Role}


class Auth(StrEnum):
    """The credentials an authenticated route takes (public routes take none:
    ``Route.public``)."""

    # API keys (scope-checked) and brand operators' JWTs (role-checked): most of the API.
    KEY_OR_JWT = "key_or_jwt"
    # API keys only: the server-to-server calls signed with the org's secret (S2S).
    API_KEY_ONLY = "api_key_only"
    # Brand operators' dashboard session only (profile writes, billing, invite lifecycle).
    JWT_ONLY = "jwt_only"
    # Affiliates signed in to their own portal (``/api/v1/me/...``); no org, no role.
    AFFILIATE_JWT = "affiliate_jwt"

    @property
    def takes_api_key(self) -> bool:
        return self in (Auth.KEY_OR_JWT, Auth.API_KEY_ONLY)

    @property
    def takes_operator(self) -> bool:
        """Brand operators' JWTs, which carry a role the route must decide on."""
        return self in (Auth.KEY_OR_JWT, Auth.JWT_ONLY)


def role_allows(have: Role, need: Role) -> bool:
    return have >= need
