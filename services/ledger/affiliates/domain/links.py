"""Tracking links: the slug is what ``?via=`` carries, so it is unique across every org."""

from __future__ import annotations

import re
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime

from libs.contracts.affiliates import LinkResponse
from libs.shared.errors import ValidationFailed
from services.ledger.domain.errors import SlugReserved

SLUG_SHAPE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$")
# Words a slug may not be: they name routes, products or roles, or would confuse affiliates.
RESERVED_SLUGS = frozenset({
    "about", "account", "admin", "administrator", "affiliate", "affiliates", "api", "app",
    "apply", "assets", "auth", "billing", "blog", "cdn", "checkout", "dashboard", "docs",
    "embed", "help", "home", "invite", "invites", "login", "logout", "mail", "me", "null",
    "oauth", "p", "partner", "partners", "pay", "payouts", "pricing", "privacy", "r",
    "register", "rekomi", "root", "settings", "signin", "signup", "static", "status",
    "support", "system", "terms", "test", "undefined", "webhook", "webhooks", "www",
})
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True, slots=True)
class Link:
    id: uuid.UUID
    org_id: uuid.UUID
    affiliate_id: uuid.UUID
    slug: str
    custom_alias: str | None
    is_default: bool
    format: str
    created_at: datetime


def slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot be a link slug (``invalid`` or ``reserved``), or None."""
    if not SLUG_SHAPE.fullmatch(slug):  # fullmatch: "$" alone accepts a trailing newline
        return "invalid"
    if slug in RESERVED_SLUGS:
        return "reserved"
    return None


def check_slug(slug: str, field: str = "slug") -> None:
    problem = slug_problem(slug)
    if problem == "invalid":
        raise ValidationFailed("a slug is 3-64 characters of a-z, 0-9 and '-', without a "
                               "leading or trailing '-'", field=field)
    if problem == "reserved":
        raise SlugReserved(f"{slug!r} is a reserved word", field=field)


def base_from(name: str | None, email: str) -> str:
    source = name or email.split("@", 1)[0]
    base = re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-")[:40].strip("-")
    return base if len(base) >= 3 else f"aff-{base}".strip("-")


def generated_slug(name: str | None, email: str) -> str:
    """A fresh candidate: a readable base and a random suffix (the caller retries on clash)."""
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(5))
    return f"{base_from(name, email)}-{suffix}"


def link_response(link: Link) -> LinkResponse:
    return LinkResponse(id=link.id, affiliate_id=link.affiliate_id, slug=link.slug,
                        custom_alias=link.custom_alias, is_default=link.is_default,
                        format=link.format, created_at=link.created_at)
