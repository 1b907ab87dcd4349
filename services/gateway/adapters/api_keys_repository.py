"""SQL for API keys: adding, listing and revoking them, and the batched last-use times. Adding
or revoking NOTIFYs every gateway replica, which drops its cached principals at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from libs.contracts.api_keys import ApiKeyKind, ApiKeyResponse, ApiKeyScope
from libs.shared.db import Conn
from libs.shared.pagination import Cursor, keyset_sql
from services.gateway.adapters.orgs_repository import notify_keys_changed

_COLUMNS = "id, display_prefix, scope, kind, name, created_at, last_used_at, revoked_at"


@dataclass(frozen=True, slots=True)
class NewKey:
    id: uuid.UUID
    org_id: uuid.UUID
    scope: ApiKeyScope
    kind: ApiKeyKind
    name: str | None
    key_hash: bytes
    prefix: str


def key_of(row: asyncpg.Record) -> ApiKeyResponse:
    return ApiKeyResponse(id=row["id"], prefix=row["display_prefix"],
                          scope=ApiKeyScope(row["scope"]), kind=ApiKeyKind(row["kind"]),
                          name=row["name"], created_at=row["created_at"],
                          last_used_at=row["last_used_at"], revoked_at=row["revoked_at"])


class ApiKeysRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def add(self, key: NewKey) -> ApiKeyResponse:
        row = await self.conn.fetchrow(
            "INSERT INTO api_keys (id, org_id, scope, kind, name, key_hash, display_prefix) "
            f"VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {_COLUMNS}",
            key.id, key.org_id, key.scope.value, key.kind.value, key.name, key.key_hash,
            key.prefix)
        assert row is not None  # INSERT ... RETURNING
        return key_of(row)  # no replica caches an unknown key: nothing to NOTIFY

    async def page(self, org_id: uuid.UUID, after: Cursor | None, take: int
                   ) -> list[ApiKeyResponse]:
        """``take + 1`` keys of the org, newest first, after ``after`` (revoked ones too)."""
        args: list[object] = [org_id]
        sql = keyset_sql(["org_id = $1"], args, after, take, newest_first=True)
        return [key_of(r) for r in await self.conn.fetch(
            f"SELECT {_COLUMNS} FROM api_keys{sql}", *args)]

    async def revoke(self, key_id: uuid.UUID, org_id: uuid.UUID | None
                     ) -> tuple[ApiKeyResponse, ApiKeyResponse, uuid.UUID] | None:
        """The key before and after, and its org; None for an unknown key (or one of
        another org than ``org_id``, when given). Revoking a revoked key keeps its time."""
        before = await self.conn.fetchrow(
            f"SELECT org_id, {_COLUMNS} FROM api_keys WHERE id = $1 "
            "AND ($2::uuid IS NULL OR org_id = $2) FOR UPDATE", key_id, org_id)
        if before is None:
            return None
        after = await self.conn.fetchrow(
            "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 "
            f"RETURNING {_COLUMNS}", key_id)
        assert after is not None  # locked above
        await notify_keys_changed(self.conn)
        return key_of(before), key_of(after), before["org_id"]

    async def record_last_use(self, used: dict[uuid.UUID, datetime]) -> None:
        """One UPDATE for every key used since the last flush; a later time never goes back
        (another replica may have flushed a newer one)."""
        await self.conn.execute(
            "UPDATE api_keys k SET last_used_at = greatest(k.last_used_at, u.at) "
            "FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, at) WHERE k.id = u.id",
            list(used), list(used.values()))
