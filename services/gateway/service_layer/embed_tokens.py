"""Minting and revoking embed tokens (the gateway owns them). The affiliate is the ledger's: it
is asked whether the affiliate is the org's (404 otherwise) and which program it is in; one
live token per (org, program, affiliate). Every change is audited in its own transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from libs.contracts.affiliates import GET_AFFILIATE, AffiliateResponse
from libs.contracts.audit import AuditRecorded
from libs.contracts.common import Actor, as_json
from libs.contracts.embed import (
    EmbedTokenBody,
    EmbedTokenExisting,
    EmbedTokenIssued,
    EmbedTokenRevoked,
    EmbedTokenSnapshot,
)
from libs.shared.bus import Bus
from libs.shared.bus_rpc import RemoteError
from libs.shared.db import Conn
from libs.shared.errors import NotFound
from libs.shared.ids import new_id
from libs.shared.logging import request_id_var
from libs.shared.uow import unit_of_work
from services.gateway.adapters.audit_repository import insert_audit
from services.gateway.adapters.embed_tokens_repository import EmbedTokensRepository
from services.gateway.domain.embed import EmbedToken, allowed_origins, lifetime
from services.gateway.domain.errors import EmbedTokenNotFound
from services.gateway.domain.secrets import hash_key, new_embed_token

CREATED, ROTATED, REVOKED = "embed_token.created", "embed_token.rotated", "embed_token.revoked"


async def issue_token(pool: asyncpg.Pool, bus: Bus, org_id: uuid.UUID, body: EmbedTokenBody,
                      actor: Actor, now: datetime) -> EmbedTokenIssued | EmbedTokenExisting:
    """A fresh token (its plaintext, this once), unless a live one exists and ``rotate`` is
    false: then its metadata. An expired token is not live: it is replaced as a rotation
    would replace it (``embed_token.rotated``)."""
    origins = allowed_origins(body.allowed_origins)
    affiliate = await _affiliate(bus, org_id, body.affiliate_id)
    async with unit_of_work(pool) as tx:
        repo = EmbedTokensRepository(tx.conn)
        await repo.lock_affiliate(org_id, affiliate.id)
        current = await repo.live(org_id, affiliate.program_id, affiliate.id)
        if current is not None and current.expires_at > now and not body.rotate:
            return EmbedTokenExisting(id=current.id, allowed_origins=",".join(
                current.allowed_origins), expires_at=current.expires_at, already_exists=True)
        if current is not None:
            await repo.revoke(org_id, current.id)
        plaintext = new_embed_token()
        token = EmbedToken(id=new_id(), org_id=org_id, program_id=affiliate.program_id,
                           affiliate_id=affiliate.id, allowed_origins=origins,
                           expires_at=now + lifetime(body.expires_in_hours))
        await repo.add(token, hash_key(plaintext), now)
        await _audit(tx.conn, org_id, actor, CREATED if current is None else ROTATED,
                     token.id, before=current, after=token, now=now)
    return EmbedTokenIssued(id=token.id, token=plaintext,
                            allowed_origins=",".join(token.allowed_origins),
                            expires_at=token.expires_at)


async def revoke_token(pool: asyncpg.Pool, org_id: uuid.UUID, token_id: uuid.UUID,
                       actor: Actor, now: datetime) -> EmbedTokenRevoked:
    """Revoking a revoked token again is a no-op (no audit row); another org's is 404."""
    async with unit_of_work(pool) as tx:
        found = await EmbedTokensRepository(tx.conn).revoke(org_id, token_id)
        if found is None:
            raise EmbedTokenNotFound("embed token not found")
        token, revoked_now = found
        if revoked_now:
            await _audit(tx.conn, org_id, actor, REVOKED, token.id, before=token, after=None,
                         now=now)
    return EmbedTokenRevoked(ok=True)


async def _affiliate(bus: Bus, org_id: uuid.UUID, affiliate_id: uuid.UUID
                     ) -> AffiliateResponse:
    try:
        found = await GET_AFFILIATE.call(bus, {"orgId": str(org_id),
                                               "affiliateId": str(affiliate_id)})
    except RemoteError as exc:
        if exc.code == "affiliate_not_found":
            raise NotFound("affiliate not found", code="affiliate_not_found",
                           field="affiliateId") from None
        raise
    return AffiliateResponse.model_validate(found)


def snapshot(token: EmbedToken) -> EmbedTokenSnapshot:
    return EmbedTokenSnapshot(id=token.id, affiliate_id=token.affiliate_id,
                              program_id=token.program_id,
                              allowed_origins=",".join(token.allowed_origins),
                              expires_at=token.expires_at)


async def _audit(conn: Conn, org_id: uuid.UUID, actor: Actor, action: str,
                 token_id: uuid.UUID, *, before: EmbedToken | None, after: EmbedToken | None,
                 now: datetime) -> None:
    # The gateway owns the audit log: its own rows are written directly, in this transaction.
    await insert_audit(conn, AuditRecorded(
        id=new_id(), org_id=org_id, action=action, entity_type="embed_token",
        entity_id=str(token_id), actor=actor, request_id=request_id_var.get(),
        before=None if before is None else as_json(snapshot(before)),
        after=None if after is None else as_json(snapshot(after)), created_at=now))
