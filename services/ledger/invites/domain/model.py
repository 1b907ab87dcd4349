"""Invites as plain data: the state lifecycle, one-time tokens, merge values and API shapes.

A token is ``HMAC-SHA256(secret, invite id + token version)``; only its SHA-256 is stored, so the
plaintext exists in the create/resend response and the e-mail alone (the mail worker derives it
again from the version the outbox message carries). Resend bumps the version: the old token
stops matching."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from decimal import Decimal

from libs.contracts.invites import InvitePreview, InviteResponse
from libs.contracts.invites import InviteState as S
from services.ledger.domain.errors import InviteExpired, InviteNotPending, InviteRevoked

TTL = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Invite:
    id: uuid.UUID
    org_id: uuid.UUID
    program_id: uuid.UUID
    email: str
    full_name: str | None
    requested_slug: str | None
    note_html: str | None
    custom_commission_type: str | None
    custom_commission_value: Decimal | None
    auto_approve: bool
    brand_name: str
    state: str
    token_hash: bytes
    token_version: int
    expires_at: datetime
    affiliate_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


def derive_token(secret: str, invite_id: uuid.UUID, version: int) -> str:
    digest = hmac.new(secret.encode(), f"invite:{invite_id}:{version}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def accept_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/{token}"


def state_at(invite: Invite, now: datetime) -> S:
    """A Pending invite past its expiry reads as Expired (stored lazily)."""
    if invite.state == S.Pending and invite.expires_at <= now:
        return S.Expired
    return S(invite.state)


def check_acceptable(invite: Invite, now: datetime) -> None:
    """Accepted invites are handled by the caller (idempotent); these are the 410s."""
    state = state_at(invite, now)
    if state == S.Revoked:
        raise InviteRevoked("this invite was revoked")
    if state == S.Expired:
        raise InviteExpired("this invite has expired; ask the brand to resend it")


def rotated(invite: Invite, secret: str, now: datetime) -> tuple[Invite, str]:
    """Resend: a new token (the old one stops working) and a fresh expiry."""
    if invite.state not in (S.Pending, S.Expired):
        raise InviteNotPending(f"a {invite.state} invite cannot be resent")
    version = invite.token_version + 1
    token = derive_token(secret, invite.id, version)
    return replace(invite, state=S.Pending.value, token_version=version,
                   token_hash=token_hash(token), expires_at=now + TTL, updated_at=now), token


def revoked(invite: Invite, now: datetime) -> Invite:
    if invite.state == S.Revoked:
        return invite
    if invite.state == S.Accepted:
        raise InviteNotPending("an accepted invite cannot be revoked")
    return replace(invite, state=S.Revoked.value, revoked_at=now, updated_at=now)


def accepted(invite: Invite, affiliate_id: uuid.UUID, now: datetime) -> Invite:
    return replace(invite, state=S.Accepted.value, affiliate_id=affiliate_id, accepted_at=now,
                   updated_at=now)


def first_name(full_name: str | None) -> str:
    parts = (full_name or "").split()
    return parts[0] if parts else "there"


def commission_text(kind: str, value: Decimal, currency: str) -> str:
    if kind == "Percentage":
        return f"{value.normalize():f}%"
    return f"{value:.2f} {currency}"


def merge_values(*, full_name: str | None, commission: str, brand: str) -> dict[str, str]:
    return {"affiliate.firstName": first_name(full_name), "program.commission": commission,
            "brand.name": brand}


def to_response(invite: Invite, program_name: str, now: datetime) -> InviteResponse:
    value = invite.custom_commission_value
    return InviteResponse(
        id=invite.id, program_id=invite.program_id, program_name=program_name,
        email=invite.email, full_name=invite.full_name, slug=invite.requested_slug,
        state=state_at(invite, now), auto_approve=invite.auto_approve,
        custom_commission_type=invite.custom_commission_type,
        custom_commission_value=float(value) if value is not None else None,
        personal_note_html=invite.note_html, affiliate_id=invite.affiliate_id,
        expires_at=invite.expires_at, created_at=invite.created_at,
        accepted_at=invite.accepted_at, revoked_at=invite.revoked_at)


def preview(invite: Invite, program_name: str, now: datetime) -> InvitePreview:
    return InvitePreview(
        brand_name=invite.brand_name, program_id=invite.program_id, program_name=program_name,
        email=invite.email, full_name=invite.full_name, state=state_at(invite, now),
        personal_note_html=invite.note_html, expires_at=invite.expires_at)


@dataclass(frozen=True, slots=True)
class NewInvite:
    """What the brand asked for one recipient; the note is already sanitized and rendered."""

    org_id: uuid.UUID
    program_id: uuid.UUID
    email: str
    full_name: str | None
    requested_slug: str | None
    note_html: str | None
    custom_commission_type: str | None
    custom_commission_value: Decimal | None
    auto_approve: bool
    brand_name: str


def new_invite(spec: NewInvite, *, invite_id: uuid.UUID, secret: str, now: datetime
               ) -> tuple[Invite, str]:
    token = derive_token(secret, invite_id, 1)
    invite = Invite(
        id=invite_id, state=S.Pending.value, token_hash=token_hash(token), token_version=1,
        expires_at=now + TTL, affiliate_id=None, created_at=now, updated_at=now,
        accepted_at=None, revoked_at=None, **{f.name: getattr(spec, f.name)
                                               for f in fields(spec)})
    return invite, token
