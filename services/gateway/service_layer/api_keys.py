"""API keys: created and revoked by an org's Owner from the dashboard, or by the operator's
``rekomi admin create-key`` / ``revoke-key``; one code path for both, each change audited in
its own transaction. The plaintext is answered once and never stored (only its SHA-256)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg

from libs.contracts.api_keys import (
    ApiKeyCreated,
    ApiKeyKind,
    ApiKeyList,
    ApiKeyResponse,
    ApiKeyScope,
)
from libs.contracts.audit import AuditRecorded
from libs.contracts.common import Actor, as_json
from libs.shared.db import Conn
from libs.shared.ids import new_id
from libs.shared.logging import request_id_var
from libs.shared.pagination import Cursor, decode_cursor, page_of
from services.gateway.adapters.api_keys_repository import ApiKeysRepository, NewKey
from services.gateway.adapters.audit_repository import insert_audit
from services.gateway.adapters.orgs_repository import OrgsRepository
from services.gateway.domain import secrets
from services.gateway.domain.errors import KeyNotFound, OrgNotFound

CREATED, REVOKED = "api_key.created", "api_key.revoked"


async def create_key(conn: Conn, org_id: uuid.UUID, scope: ApiKeyScope, actor: Actor, *,
                     kind: ApiKeyKind = ApiKeyKind.live, name: str | None = None
                     ) -> ApiKeyCreated:
    """A new key of the org, with its plaintext (this once)."""
    if await OrgsRepository(conn).org(org_id) is None:
        raise OrgNotFound(f"no org {org_id}")
    plaintext = secrets.new_api_key(kind)
    async with conn.transaction():
        key = await ApiKeysRepository(conn).add(NewKey(
            id=new_id(), org_id=org_id, scope=scope, kind=kind, name=name,
            key_hash=secrets.hash_key(plaintext), prefix=secrets.display_prefix(plaintext)))
        await _audit(conn, org_id, actor, CREATED, key.id, None, key)
    return ApiKeyCreated(**key.model_dump(), key=plaintext)


async def revoke_key(conn: Conn, key_id: uuid.UUID, actor: Actor, *,
                     org_id: uuid.UUID | None = None) -> ApiKeyResponse:
    """Revoked on every gateway replica (the NOTIFY); ``org_id``: only a key of that org (else
    404, as an unknown id). Revoking a revoked key again changes nothing and audits nothing."""
    async with conn.transaction():
        found = await ApiKeysRepository(conn).revoke(key_id, org_id)
        if found is None:
            raise KeyNotFound("API key not found" if org_id else f"no API key {key_id}")
        before, after, owner = found
        if before.revoked_at is None:
            await _audit(conn, owner, actor, REVOKED, key_id, before, after)
    return after


async def list_keys(pool: asyncpg.Pool, org_id: uuid.UUID, take: int, cursor: str | None
                    ) -> ApiKeyList:
    async with pool.acquire() as conn:
        rows = await ApiKeysRepository(conn).page(org_id, decode_cursor(cursor), take)
    page, next_cursor, has_more = page_of(rows, take, lambda k: Cursor(k.created_at, k.id))
    return ApiKeyList(items=page, next_cursor=next_cursor, has_more=has_more)


async def _audit(conn: Conn, org_id: uuid.UUID, actor: Actor, action: str, key_id: uuid.UUID,
                 before: ApiKeyResponse | None, after: ApiKeyResponse) -> None:
    # The snapshots are the list's shape: never the plaintext or its hash.
    await insert_audit(conn, AuditRecorded(
        id=new_id(), org_id=org_id, action=action, entity_type="api_key",
        entity_id=str(key_id), actor=actor, request_id=request_id_var.get(),
        before=None if before is None else as_json(before), after=as_json(after),
        created_at=datetime.now(UTC)))
