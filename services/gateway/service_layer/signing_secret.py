"""Rotating an org's S2S signing secret, for a dashboard Owner (``POST
/api/v1/signing-secret/rotate``) or the operator (``rekomi admin rotate-signing-secret``):
the new secret is answered once; the previous one keeps verifying for the overlap
(``REKOMI_SIGNING_SECRET_OVERLAP_HOURS``), as a webhook endpoint's does after its rotation."""

from __future__ import annotations

import uuid
from datetime import timedelta

from libs.contracts.audit import AuditRecorded
from libs.contracts.common import Actor
from libs.contracts.secrets import SIGNING_SECRET_ROTATED, SigningSecretRotated
from libs.shared.clock import now_utc
from libs.shared.db import Conn
from libs.shared.ids import new_id
from libs.shared.logging import request_id_var
from libs.shared.timestamps import wire_timestamp
from services.gateway.adapters.audit_repository import insert_audit
from services.gateway.adapters.orgs_repository import OrgsRepository
from services.gateway.domain.errors import OrgNotFound
from services.gateway.domain.signing_secrets import rotate


async def rotate_signing_secret(conn: Conn, org_id: uuid.UUID, actor: Actor,
                                overlap: timedelta) -> SigningSecretRotated:
    """One transaction: the org row locked, the new secret stored sealed, the audit row
    (never a secret in it) written beside it; every replica drops its cached secrets."""
    now = now_utc()
    async with conn.transaction():
        repo = OrgsRepository(conn)
        current = await repo.signing_secrets(org_id, for_update=True)
        if current is None:
            raise OrgNotFound(f"no org {org_id}")
        rotated = rotate(current, now=now, overlap=overlap)
        await repo.set_signing_secrets(org_id, rotated)
        assert rotated.previous_expires_at is not None  # a rotation always sets it
        expires = wire_timestamp(rotated.previous_expires_at)
        await insert_audit(conn, AuditRecorded(
            id=new_id(), org_id=org_id, action=SIGNING_SECRET_ROTATED, entity_type="org",
            entity_id=str(org_id), actor=actor, request_id=request_id_var.get(), before=None,
            after={"previousSecretExpiresAt": expires}, created_at=now))
    return SigningSecretRotated(signing_secret=rotated.current,
                                previous_secret_expires_at=rotated.previous_expires_at)
