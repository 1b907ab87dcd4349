"""Embed tokens in the gateway's credential cache (``PrincipalCache.embed_token``): served from
memory, dropped at once by a revocation's NOTIFY, and never served from memory while the cache
cannot hear one, as API keys are (tests/integration/test_principal_cache.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg

from libs.shared.clock import now_utc
from libs.shared.settings import Settings
from libs.shared.uow import unit_of_work
from services.gateway.adapters.embed_tokens_repository import EmbedTokensRepository
from services.gateway.adapters.principal_cache import PrincipalCache
from services.gateway.domain.embed import EmbedToken
from services.gateway.domain.secrets import hash_key, new_embed_token
from tests.common.orgs import new_org
from tests.common.waiting import eventually
from tests.integration.test_principal_cache import started_cache, stop, terminate_listener


async def _minted(cache_pool: asyncpg.Pool) -> tuple[EmbedToken, bytes]:
    org = await new_org(plan="Growth")
    token = EmbedToken(id=uuid.uuid4(), org_id=uuid.UUID(org.org_id), program_id=uuid.uuid4(),
                       affiliate_id=uuid.uuid4(), allowed_origins=("https://yourapp.com",),
                       expires_at=now_utc() + timedelta(hours=1))
    token_hash = hash_key(new_embed_token())
    async with cache_pool.acquire() as conn:
        await EmbedTokensRepository(conn).add(token, token_hash, now_utc())
    return token, token_hash


async def _silently_revoke(pool: asyncpg.Pool, token: EmbedToken, revoked: bool) -> None:
    """Revoke (or restore) without the NOTIFY a real revocation sends."""
    await pool.execute("UPDATE embed_tokens SET revoked_at = CASE WHEN $2 THEN now() END "
                       "WHERE id = $1", token.id, revoked)


async def _dropped(cache: PrincipalCache, token_hash: bytes) -> bool | None:
    return await cache.embed_token(token_hash) is None or None


async def test_a_revocation_is_heard_at_once_and_a_deaf_cache_keeps_nothing(
        settings: Settings, migrated: None) -> None:
    cache = await started_cache(settings.database_url)
    try:
        token, token_hash = await _minted(cache.pool)
        assert await cache.embed_token(token_hash) == token
        await _silently_revoke(cache.pool, token, True)
        assert await cache.embed_token(token_hash) == token  # from memory: the cache works
        await _silently_revoke(cache.pool, token, False)

        async with unit_of_work(cache.pool) as tx:
            assert await EmbedTokensRepository(tx.conn).revoke(token.org_id, token.id) == (
                token, True)

        await eventually(lambda: _dropped(cache, token_hash), timeout=2, interval=0.02,
                         what="the revoked token dropped")

        again, again_hash = await _minted(cache.pool)
        assert await cache.embed_token(again_hash) == again
        await _silently_revoke(cache.pool, again, True)
        await terminate_listener(settings)  # deaf: what it holds may be stale, so it goes
        await eventually(lambda: _dropped(cache, again_hash), timeout=2, interval=0.05,
                         what="the stale token dropped")
    finally:
        await stop(cache)
