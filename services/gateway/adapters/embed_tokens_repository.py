"""SQL for embed tokens. A revocation (revoke, rotation, replacement) NOTIFYs every gateway
replica on the credential caches' channel, which drops their cached tokens at once."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from libs.shared.db import Conn
from services.gateway.adapters.orgs_repository import KEYS_CHANGED_CHANNEL
from services.gateway.domain.embed import EmbedToken

_COLUMNS = "id, org_id, program_id, affiliate_id, allowed_origins, expires_at"


def _token(row: asyncpg.Record) -> EmbedToken:
    return EmbedToken(id=row["id"], org_id=row["org_id"], program_id=row["program_id"],
                      affiliate_id=row["affiliate_id"],
                      allowed_origins=tuple(row["allowed_origins"]),
                      expires_at=row["expires_at"])


class EmbedTokensRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def lock_affiliate(self, org_id: uuid.UUID, affiliate_id: uuid.UUID) -> None:
        """Serialise mints for one affiliate until the transaction ends: two at once would
        both find no live token and both insert one."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                                f"embed:{org_id}:{affiliate_id}")

    async def live(self, org_id: uuid.UUID, program_id: uuid.UUID, affiliate_id: uuid.UUID
                   ) -> EmbedToken | None:
        """The affiliate's token that is not revoked (it may have expired)."""
        row = await self.conn.fetchrow(
            f"SELECT {_COLUMNS} FROM embed_tokens WHERE org_id = $1 AND program_id = $2 "
            "AND affiliate_id = $3 AND revoked_at IS NULL", org_id, program_id, affiliate_id)
        return None if row is None else _token(row)

    async def add(self, token: EmbedToken, token_hash: bytes, created_at: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO embed_tokens (id, org_id, program_id, affiliate_id, token_hash, "
            "allowed_origins, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            token.id, token.org_id, token.program_id, token.affiliate_id, token_hash,
            list(token.allowed_origins), token.expires_at, created_at)

    async def revoke(self, org_id: uuid.UUID, token_id: uuid.UUID
                     ) -> tuple[EmbedToken, bool] | None:
        """The org's token and whether this call revoked it (False: it already was); None
        when the org has no such token. Run in a transaction (the row stays locked)."""
        row = await self.conn.fetchrow(
            f"SELECT {_COLUMNS}, revoked_at FROM embed_tokens WHERE org_id = $1 AND id = $2 "
            "FOR UPDATE", org_id, token_id)
        if row is None:
            return None
        if row["revoked_at"] is not None:
            return _token(row), False
        await self.conn.execute("UPDATE embed_tokens SET revoked_at = now() WHERE id = $1",
                                token_id)
        await self._notify()
        return _token(row), True

    async def by_hash(self, token_hash: bytes) -> EmbedToken | None:
        """The live token with this hash (expired ones included: the caller tells them)."""
        row = await self.conn.fetchrow(
            f"SELECT {_COLUMNS} FROM embed_tokens WHERE token_hash = $1 "
            "AND revoked_at IS NULL", token_hash)
        return None if row is None else _token(row)

    async def _notify(self) -> None:
        await self.conn.execute("SELECT pg_notify($1, '')", KEYS_CHANGED_CHANNEL)
