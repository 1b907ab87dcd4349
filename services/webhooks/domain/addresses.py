"""Which endpoint URLs and addresses deliveries may go to (the SSRF policy), without any I/O.

Only ``https`` URLs whose host resolves exclusively to global unicast addresses are accepted.
With ``allow_loopback`` (development and tests only) loopback hosts are accepted too, over
``http`` or ``https``. The same address rule is applied again at connect time by the sender's
resolver, so a name that later resolves somewhere internal (DNS rebinding) is still refused.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from services.webhooks.domain.errors import UrlRefused

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
MAX_URL_LENGTH = 2048


@dataclass(frozen=True, slots=True)
class Target:
    """A URL that passed the static checks: its host, and the literal address if it is one."""

    host: str
    literal: IpAddress | None


def _unmapped(address: IpAddress) -> IpAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_allowed(address: IpAddress, *, allow_loopback: bool) -> bool:
    """Global unicast only (no private, loopback, link-local, CGNAT, multicast, reserved or
    unspecified ranges), plus loopback when allowed."""
    address = _unmapped(address)
    if address.is_loopback:
        return allow_loopback
    return address.is_global and not address.is_multicast and not address.is_reserved


def parse_ip(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _split(url: str) -> SplitResult:
    if len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        raise UrlRefused("url must be an absolute URL without spaces", field="url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        raise UrlRefused("url is not a valid URL", field="url") from None
    if not parts.hostname:
        raise UrlRefused("url must include a host", field="url")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("url must not carry credentials", field="url")
    return parts


def check_url(url: str, *, allow_loopback: bool) -> Target:
    """The static part of the policy: scheme, host shape and a literal address."""
    parts = _split(url)
    host = (parts.hostname or "").lower().rstrip(".")
    literal = parse_ip(host)
    loopback_host = host in LOOPBACK_NAMES or (literal is not None and _unmapped(literal)
                                               .is_loopback)
    if parts.scheme not in ("https", "http"):
        raise UrlRefused("url must use https", field="url")
    if parts.scheme == "http" and not (allow_loopback and loopback_host):
        raise UrlRefused("url must use https (plain http only to loopback in development)",
                         field="url")
    if loopback_host and not allow_loopback:
        raise UrlRefused("url must not point at a loopback address", field="url")
    if literal is not None and not address_allowed(literal, allow_loopback=allow_loopback):
        raise UrlRefused("url must not point at a private, loopback or link-local address",
                         field="url")
    return Target(host=host, literal=literal)


def check_resolved(addresses: list[IpAddress], *, allow_loopback: bool) -> None:
    """Every address the host resolves to must be allowed (one internal answer is enough for
    a rebinding attacker to pick it)."""
    if not addresses:
        raise UrlRefused("url host does not resolve", field="url")
    if not all(address_allowed(a, allow_loopback=allow_loopback) for a in addresses):
        raise UrlRefused("url resolves to a private, loopback or link-local address",
                         field="url")
