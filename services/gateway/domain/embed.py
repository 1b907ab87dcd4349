"""Embed tokens, as plain rules: the brand's allowed origins parsed into exact origins, a
token's lifetime clamped, and whether a browser's request to the public embedded dashboard may
be answered (and with which failure, in the reference's order, when not)."""

from __future__ import annotations

import ipaddress
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from libs.shared.errors import ValidationFailed
from services.gateway.domain.errors import (
    EmbedTokenExpired,
    EmbedTokenInvalid,
    NoAllowedOrigins,
    OriginInvalid,
    OriginNotAllowed,
    OriginRequired,
)

MIN_HOURS, DEFAULT_HOURS, MAX_HOURS = 1, 24, 720
MAX_ORIGINS = 20
DEFAULT_PORTS = {"http": 80, "https": 443}
# scheme://host[:port], an optional lone "/" (a pasted URL); the host a DNS name, an IPv4
# address or a bracketed IPv6 one. Anything else (a path, query, fragment, user info, "*")
# is not an origin.
_ORIGIN = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://"
                     r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?/?")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


@dataclass(frozen=True, slots=True)
class EmbedToken:
    """A live (not revoked) token as the public dashboard checks it."""

    id: uuid.UUID
    org_id: uuid.UUID
    program_id: uuid.UUID
    affiliate_id: uuid.UUID
    allowed_origins: tuple[str, ...]
    expires_at: datetime


def lifetime(hours: int | None) -> timedelta:
    """``expiresInHours``: 24 by default, clamped to 1..720."""
    asked = DEFAULT_HOURS if hours is None else hours
    return timedelta(hours=min(MAX_HOURS, max(MIN_HOURS, asked)))


def origin_of(text: str) -> str | None:
    """``text`` as a serialised origin (RFC 6454, as browsers send ``Origin``: lower case,
    the port only when it is not the scheme's default), or None when it is not an http(s)
    origin."""
    found = _ORIGIN.fullmatch(text)
    if found is None:
        return None
    scheme, host = found["scheme"].lower(), found["host"].lower()
    port = int(found["port"]) if found["port"] is not None else DEFAULT_PORTS.get(scheme)
    if scheme not in DEFAULT_PORTS or port is None or not 1 <= port <= 65535:
        return None
    host = _host(host)
    if host is None:
        return None
    return f"{scheme}://{host}" + ("" if port == DEFAULT_PORTS[scheme] else f":{port}")


def _host(host: str) -> str | None:
    """The host as browsers write it (an IPv6 address compressed), or None if it is none."""
    if host.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            return None
    labels = host.split(".")
    return host if len(host) <= 253 and all(map(_LABEL.fullmatch, labels)) else None


def allowed_origins(text: str | None) -> tuple[str, ...]:
    """``allowedOrigins`` as exact origins, in the order given, without repeats (blank entries
    between commas are skipped). An entry that is not an origin is refused, named."""
    found: dict[str, None] = {}
    for entry in (text or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        origin = origin_of(entry)
        if origin is None:
            shown = entry if len(entry) <= 100 else entry[:100] + "..."
            raise ValidationFailed(
                f"allowedOrigins entry {shown!r} is not an origin: write scheme://host[:port] "
                "(http or https), without a path, query or wildcard", field="allowedOrigins")
        found[origin] = None
    if len(found) > MAX_ORIGINS:
        raise ValidationFailed(f"allowedOrigins holds at most {MAX_ORIGINS} origins",
                               field="allowedOrigins")
    return tuple(found)


def admit(token: EmbedToken | None, origin: str | None, now: datetime) -> str:
    """The origin the request comes from, when ``token`` may be read from there; else the
    failure, in the reference's order: the token (401), then the origin (403). A request
    without ``Origin`` is a server's, never a browser's embed: refused."""
    if token is None:
        raise EmbedTokenInvalid("unknown or revoked embed token")
    if token.expires_at <= now:
        raise EmbedTokenExpired("the embed token has expired; mint a new one")
    if not token.allowed_origins:
        raise NoAllowedOrigins("the embed token allows no origin")
    if origin is None:
        raise OriginRequired("an Origin header is required (embeds are read by browsers)")
    exact = origin_of(origin)
    if exact is None:
        raise OriginInvalid("the Origin header is not an http(s) origin")
    if exact not in token.allowed_origins:
        raise OriginNotAllowed("this origin is not allowed for the embed token")
    return exact


def allows(token: EmbedToken | None, origin: str | None) -> str | None:
    """The origin to name in ``Access-Control-Allow-Origin``: the request's, when the token
    lists it; else None (never ``*``, never another origin)."""
    if token is None or origin is None:
        return None
    exact = origin_of(origin)
    return origin if exact is not None and exact in token.allowed_origins else None
