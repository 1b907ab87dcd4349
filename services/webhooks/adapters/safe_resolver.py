"""Name resolution that refuses internal addresses, used both when an endpoint URL is saved and
by the sender at connect time (so DNS rebinding cannot reach internal services)."""

from __future__ import annotations

import errno
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from services.webhooks.domain.addresses import (
    Target,
    check_resolved,
    check_url,
    parse_ip,
)
from services.webhooks.domain.errors import UrlRefused


class SafeResolver(AbstractResolver):
    """Resolves through ``inner`` (the system resolver by default) and fails the lookup when any
    answer is not an allowed address."""

    def __init__(self, *, allow_loopback: bool, inner: AbstractResolver | None = None) -> None:
        self.allow_loopback = allow_loopback
        self.inner = inner or ThreadedResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        addresses = [parse_ip(r["host"]) for r in results]
        try:
            check_resolved([a for a in addresses if a is not None] if all(addresses) else [],
                           allow_loopback=self.allow_loopback)
        except UrlRefused as exc:
            raise OSError(errno.EACCES, f"refused to connect to {host}: {exc.message}") from None
        return results

    async def close(self) -> None:
        await self.inner.close()


class UrlPolicy:
    """The whole check of an endpoint URL when it is created or changed: the static rules, then
    every address its host resolves to (a 400 with ``field: url`` otherwise)."""

    def __init__(self, *, allow_loopback: bool, resolver: AbstractResolver | None = None) -> None:
        self.allow_loopback = allow_loopback
        self.resolver = SafeResolver(allow_loopback=allow_loopback, inner=resolver)

    async def check(self, url: str) -> Target:
        target = check_url(url, allow_loopback=self.allow_loopback)
        if target.literal is None:
            try:
                await self.resolver.resolve(target.host, 443, socket.AF_UNSPEC)
            except OSError as exc:
                refused = exc.errno == errno.EACCES
                raise UrlRefused(
                    "url resolves to a private, loopback or link-local address" if refused
                    else "url host does not resolve", field="url") from None
        return target
