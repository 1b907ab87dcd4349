"""The issuer's signing keys (its JWKS), fetched over HTTP with aiohttp, never on the import
path: at the first token, then again once ``cache_seconds`` passed, and at once when a token
names a ``kid`` the cached set lacks (the issuer rotated its keys), at most once per
``min_refresh_seconds`` so made-up kids cannot turn the gateway against the issuer. Concurrent
callers share one fetch. A failed fetch keeps the keys already held (the issuer being briefly
away must not sign everyone out).

Only asymmetric signing keys are kept: ``oct`` (shared-secret) keys and keys for encryption
(``use: enc``) are dropped, so no HS token can ever find a key here."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

import aiohttp

log = logging.getLogger(__name__)
SIGNING_KTYS = frozenset({"RSA", "EC", "OKP"})
DISCOVERY_PATH = "/.well-known/openid-configuration"


class JwksUnavailable(Exception):
    """No keys could be fetched and none are held."""


class JwksClient:
    def __init__(self, issuer: str, jwks_url: str = "", *, cache_seconds: float = 600.0,
                 min_refresh_seconds: float = 5.0, timeout_seconds: float = 5.0) -> None:
        self.issuer = issuer.rstrip("/")
        self.jwks_url = jwks_url
        self.cache_seconds = cache_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None  # monotonic time of the last attempt
        self._fetch: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.fetches = 0  # successful fetches, for logs and tests

    async def close(self) -> None:
        if self._fetch is not None:
            self._fetch.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def key(self, kid: str) -> dict[str, Any] | None:
        """The JWK with ``kid``, fetching the set when it is stale or lacks the kid."""
        now = time.monotonic()
        age = None if self._fetched_at is None else now - self._fetched_at
        stale = age is None or age >= self.cache_seconds
        unknown = kid not in self._keys and (age is None or age >= self.min_refresh_seconds)
        if stale or unknown:
            await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        if self._fetch is None or self._fetch.done():
            self._fetch = asyncio.create_task(self._load())
        # Shielded: a caller that gives up does not cancel the fetch the others wait for.
        await asyncio.shield(self._fetch)

    async def _load(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            session = self._session_now()
            url = self.jwks_url or await self._discover(session)
            async with session.get(url) as response:
                response.raise_for_status()
                document = await response.json(content_type=None)
            keys = signing_keys(document)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("JWKS fetch failed; keeping %d key(s)", len(self._keys),
                        extra={"issuer": self.issuer, "error": repr(exc)})
            if not self._keys:
                raise JwksUnavailable(f"cannot fetch the issuer's keys: {exc!r}") from None
            return
        self._keys = keys
        self.fetches += 1

    async def _discover(self, session: aiohttp.ClientSession) -> str:
        async with session.get(self.issuer + DISCOVERY_PATH) as response:
            response.raise_for_status()
            config = await response.json(content_type=None)
        if not isinstance(config, Mapping) or config.get("issuer", "").rstrip("/") \
                != self.issuer or not isinstance(config.get("jwks_uri"), str):
            raise ValueError("discovery document without this issuer or a jwks_uri")
        url: str = config["jwks_uri"]
        self.jwks_url = url  # the issuer's JWKS URL does not move; later fetches skip this
        return url

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session


def signing_keys(document: Any) -> dict[str, dict[str, Any]]:
    """The set's asymmetric signing keys by kid (keys without a kid cannot be chosen)."""
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK set")
    return {key["kid"]: dict(key) for key in document["keys"]
            if isinstance(key, Mapping) and isinstance(key.get("kid"), str)
            and key.get("kty") in SIGNING_KTYS and key.get("use", "sig") == "sig"}
