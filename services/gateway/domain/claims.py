"""From a verified token's claims to who is calling, through settings (``REKOMI_JWT_*_CLAIM``)
rather than one identity provider's layout, so Keycloak, Auth0, Clerk or Zitadel each work by
configuration (README, "Dashboard sign-in").

A claim setting is a claim name or a dotted path into nested claims ("realm_access.roles"); a
name present as is wins, so namespaced claims such as "https://rekomi.com/role" work too."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.gateway.domain.principal import Operator
from services.gateway.domain.roles import Role


@dataclass(frozen=True, slots=True)
class ClaimMap:
    user: str = "sub"
    org: str = "org_id"
    role: str = "role"
    email: str = "email"
    email_verified: str = "email_verified"
    affiliate: str = "email"
    # IdP role names (lower case) -> roles, beside Owner/Manager/Viewer themselves.
    role_names: Mapping[str, Role] = field(default_factory=dict)


def parse_role_map(text: str) -> dict[str, Role]:
    """``"org:admin=Owner, org:member=Viewer"`` -> {"org:admin": Owner, ...}."""
    names: dict[str, Role] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        name, _, role_name = pair.rpartition("=")
        role = Role.named(role_name)
        if not name.strip() or role is None:
            raise ValueError(f"role map entry {pair!r}: expected <idp role>=Owner|Manager|Viewer")
        names[name.strip().lower()] = role
    return names


def claim(claims: Mapping[str, Any], path: str) -> Any:
    """The claim at ``path``: the name as is, else the dotted path; None when absent."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def role_of(value: Any, names: Mapping[str, Role]) -> Role | None:
    """The highest role named by a claim that is one name, a list of names, or an object
    keyed by names (Zitadel's project roles); unknown names count for nothing."""
    if isinstance(value, str):
        candidates: list[Any] = [value]
    elif isinstance(value, Mapping):
        candidates = list(value)
    elif isinstance(value, list):
        candidates = value
    else:
        return None
    roles = [r for c in candidates if isinstance(c, str)
             and (r := names.get(c.strip().lower()) or Role.named(c)) is not None]
    return max(roles, default=None)


def is_verified(value: Any) -> bool:
    """Only an explicit true: a missing claim is not a verified e-mail (Cognito sends
    the text "true")."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def org_of(value: Any) -> uuid.UUID | None:
    """The org claim: a Rekomi org id, or a list holding exactly one."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def text_of(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def operator_of(claims: Mapping[str, Any], cmap: ClaimMap
                ) -> tuple[uuid.UUID, Operator] | None:
    """The org and operator a token speaks for, or None when it names no org, no role or no
    user (an affiliate's token, or a user without a role in any org)."""
    org_id = org_of(claim(claims, cmap.org))
    role = role_of(claim(claims, cmap.role), cmap.role_names)
    user_id = text_of(claim(claims, cmap.user))
    if org_id is None or role is None or user_id is None:
        return None
    return org_id, Operator(user_id=user_id, role=role,
                            email=text_of(claim(claims, cmap.email)),
                            email_verified=is_verified(claim(claims, cmap.email_verified)))


@dataclass(frozen=True, slots=True)
class AffiliateIdentity:
    subject: str
    email: str  # lower-cased: the ledger stores affiliates' e-mails so
    verified: bool


def affiliate_identity_of(claims: Mapping[str, Any], cmap: ClaimMap
                          ) -> AffiliateIdentity | None:
    subject = text_of(claim(claims, cmap.user))
    email = text_of(claim(claims, cmap.affiliate))
    if subject is None or email is None:
        return None
    return AffiliateIdentity(subject=subject, email=email.lower(),
                             verified=is_verified(claim(claims, cmap.email_verified)))


def put_claim(claims: dict[str, Any], path: str, value: Any) -> None:
    """Set the claim at ``path`` (the dev issuer's tokens follow the configured layout)."""
    *parents, last = path.split(".") if "/" not in path and ":" not in path else [path]
    node = claims
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
