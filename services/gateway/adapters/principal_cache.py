"""A replica-local cache of authenticated principals (API keys, orgs, embed tokens) and of the
orgs' S2S signing secrets (opened once per load), so the hot path skips PostgreSQL and the
cipher.

Entries live ``ttl`` seconds at most; any change to keys, orgs or plans, and any revoked embed
token, NOTIFYs every replica, which empties its cache at once. While the replica cannot listen
(PostgreSQL away or restarted), a revocation would go unheard: nothing is cached then (fail
safe), until the LISTEN is back."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import asyncpg

from libs.shared.listen import Listener, listen_or_poll
from libs.shared.ttl_cache import TtlCache
from services.gateway.adapters.embed_tokens_repository import EmbedTokensRepository
from services.gateway.adapters.orgs_repository import KEYS_CHANGED_CHANNEL, OrgsRepository
from services.gateway.domain.embed import EmbedToken
from services.gateway.domain.principal import Principal
from services.gateway.domain.signing_secrets import SigningSecrets

log = logging.getLogger(__name__)


class PrincipalCache:
    def __init__(self, pool: asyncpg.Pool, ttl: float) -> None:
        self.pool = pool
        self.ttl = ttl
        # Unknown keys, orgs and tokens are not kept: guesses must not fill the memory.
        self._principals: TtlCache[bytes, Principal | None] = TtlCache(
            ttl, self._principal, keep=_found)
        self._orgs: TtlCache[uuid.UUID, asyncpg.Record | None] = TtlCache(
            ttl, self._org, keep=_found)
        self._handles: TtlCache[str, asyncpg.Record | None] = TtlCache(
            ttl, self._org_by_handle, keep=_found)
        self._embed_tokens: TtlCache[bytes, EmbedToken | None] = TtlCache(
            ttl, self._embed_token, keep=_found)
        # Opened (decrypted) once per load, never per request: the S2S hot path reads these.
        self._signing: TtlCache[uuid.UUID, SigningSecrets | None] = TtlCache(
            ttl, self._signing_secrets, keep=_found)
        self._listener: Listener | None = None

    async def start(self) -> None:
        self._listener = await listen_or_poll(self.pool, KEYS_CHANGED_CHANNEL, self._on_change,
                                              on_lost=self._deaf, on_restored=self._listening)

    async def stop(self) -> None:
        if self._listener is not None:
            listener, self._listener = self._listener, None
            await listener.close()

    def changed_here(self) -> None:
        """This replica's own change (a key revoked, a signing secret rotated, an embed token
        replaced): cleared now, as its NOTIFY will clear every replica, because the caller's
        next request may come before that NOTIFY comes back."""
        self._on_change()

    def _on_change(self, *_args: object) -> None:
        for cache in self._caches:
            cache.clear()

    @property
    def _caches(self) -> tuple[TtlCache[Any, Any], ...]:
        return self._principals, self._orgs, self._handles, self._embed_tokens, self._signing

    def _deaf(self) -> None:
        log.warning("principal cache has no listener; caching disabled until it is back")
        self._cache_for(0.0)

    def _listening(self) -> None:
        # Cleared again: a load that began while deaf may have read what a change unheard
        # since then made stale; clear() keeps it from being stored.
        log.info("principal cache listening again; caching enabled")
        self._cache_for(self.ttl)

    def _cache_for(self, seconds: float) -> None:
        for cache in self._caches:
            cache.seconds = seconds
            cache.clear()

    async def lookup(self, key_hash: bytes) -> Principal | None:
        return await self._principals.get(key_hash)

    async def org(self, org_id: uuid.UUID) -> asyncpg.Record | None:
        """The org row (signing secret, grace days, home currency) for the S2S hot path; any
        write to orgs NOTIFYs, which empties this too."""
        return await self._orgs.get(org_id)

    async def org_by_handle(self, handle: str) -> asyncpg.Record | None:
        """The org row by its handle, for the providers' webhook calls (no API key there)."""
        return await self._handles.get(handle)

    async def signing_secrets(self, org_id: uuid.UUID) -> SigningSecrets | None:
        """The org's S2S signing secrets in clear, for verifying signatures; a rotation
        NOTIFYs, which empties this too."""
        return await self._signing.get(org_id)

    async def embed_token(self, token_hash: bytes) -> EmbedToken | None:
        """The live embed token with this hash (the public embedded dashboard's lookup);
        a revocation NOTIFYs, which empties this too."""
        return await self._embed_tokens.get(token_hash)

    async def _principal(self, key_hash: bytes) -> Principal | None:
        async with self.pool.acquire() as conn:
            return await OrgsRepository(conn).principal(key_hash)

    async def _org(self, org_id: uuid.UUID) -> asyncpg.Record | None:
        async with self.pool.acquire() as conn:
            return await OrgsRepository(conn).org(org_id)

    async def _org_by_handle(self, handle: str) -> asyncpg.Record | None:
        async with self.pool.acquire() as conn:
            return await OrgsRepository(conn).org_by_handle(handle)

    async def _signing_secrets(self, org_id: uuid.UUID) -> SigningSecrets | None:
        async with self.pool.acquire() as conn:
            return await OrgsRepository(conn).signing_secrets(org_id)

    async def _embed_token(self, token_hash: bytes) -> EmbedToken | None:
        async with self.pool.acquire() as conn:
            return await EmbedTokensRepository(conn).by_hash(token_hash)


def _found(value: object) -> bool:
    return value is not None
