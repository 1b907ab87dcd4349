"""Affiliate invites: request bodies, the InviteResponse, and the ledger's methods."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StrictStr,
    model_validator,
)

from libs.contracts.affiliates import FullName, _commission_pair
from libs.contracts.common import Actor, ApiModel, CursorText, Resource, Timestamp
from libs.contracts.programs import CommissionType, CommissionValue, OrgScoped
from libs.shared.rpc import Rpc

# Routing key of the event asking the ledger's mail worker to send one invite e-mail. It is an
# internal message, not in the webhook catalogue (libs.contracts.events.EVENT_TYPES).
INVITE_EMAIL_REQUESTED = "invite.email_requested"
MAX_BULK_INVITES = 50
MAX_PENDING_INVITES = 500

NoteHtml = Annotated[StrictStr, Field(max_length=10_000)]
# Shape (3-64 chars of a-z0-9-) is checked by the ledger so that the single invite answers 400
# with field ``slug`` and the bulk invite reports ``invalid`` in slugConflicts instead.
RequestedSlug = Annotated[StrictStr, Field(max_length=200)]
Token = Annotated[str, Field(min_length=1, max_length=200)]


class InviteState(StrEnum):
    Pending = "Pending"
    Accepted = "Accepted"
    Expired = "Expired"
    Revoked = "Revoked"


class InviteCreate(ApiModel):
    program_id: uuid.UUID = Field(alias="programId")
    email: EmailStr
    full_name: FullName | None = Field(default=None, alias="fullName")
    slug: RequestedSlug | None = None
    personal_note_html: NoteHtml | None = Field(default=None, alias="personalNoteHtml")
    custom_commission_type: CommissionType | None = Field(default=None,
                                                          alias="customCommissionType")
    custom_commission_value: CommissionValue | None = Field(default=None,
                                                            alias="customCommissionValue")
    auto_approve: StrictBool | None = Field(
        default=None, alias="autoApprove",
        description="Approve the affiliate on accept; defaults to the program's autoApprove")

    @model_validator(mode="after")
    def _pair(self) -> InviteCreate:
        _commission_pair(self.custom_commission_type, self.custom_commission_value,
                         sent=self.model_fields_set)
        return self


class Recipient(ApiModel):
    email: EmailStr
    slug: RequestedSlug | None = None
    full_name: FullName | None = Field(default=None, alias="fullName")


class BulkInviteCreate(ApiModel):
    """``recipients`` (preferred) or the legacy ``emails``; when both are sent, recipients
    wins."""

    program_id: uuid.UUID = Field(alias="programId")
    recipients: Annotated[list[Recipient], Field(max_length=MAX_BULK_INVITES)] | None = None
    emails: Annotated[list[EmailStr], Field(max_length=MAX_BULK_INVITES)] | None = None
    personal_note_html: NoteHtml | None = Field(default=None, alias="personalNoteHtml")
    auto_approve: StrictBool | None = Field(default=None, alias="autoApprove")

    @model_validator(mode="after")
    def _not_empty(self) -> BulkInviteCreate:
        if not self.rows():
            raise ValueError("send 1 to 50 recipients (or emails)")
        return self

    def rows(self) -> list[Recipient]:
        if self.recipients is not None:
            return list(self.recipients)
        return [Recipient(email=email) for email in self.emails or []]


class InviteListQuery(BaseModel):
    take: int = Field(default=50, ge=1, le=200)
    cursor: CursorText | None = None
    program_id: uuid.UUID | None = Field(default=None, alias="programId")
    state: InviteState | None = None

    model_config = ConfigDict(populate_by_name=True)


class InviteResponse(Resource):
    id: uuid.UUID
    program_id: uuid.UUID = Field(alias="programId")
    program_name: str = Field(alias="programName")
    email: str
    full_name: str | None = Field(alias="fullName")
    slug: str | None = Field(description="The preserved slug the accept flow will try")
    state: InviteState
    auto_approve: bool = Field(alias="autoApprove")
    custom_commission_type: CommissionType | None = Field(alias="customCommissionType")
    custom_commission_value: float | None = Field(alias="customCommissionValue")
    personal_note_html: str | None = Field(alias="personalNoteHtml")
    affiliate_id: uuid.UUID | None = Field(alias="affiliateId")
    expires_at: Timestamp = Field(alias="expiresAt")
    created_at: Timestamp = Field(alias="createdAt")
    accepted_at: Timestamp | None = Field(alias="acceptedAt")
    revoked_at: Timestamp | None = Field(alias="revokedAt")


class InviteCreated(Resource):
    invite: InviteResponse
    accept_url: str = Field(alias="acceptUrl")


class SlugConflict(Resource):
    email: str
    requested_slug: str = Field(alias="requestedSlug")
    reason: str = Field(description="taken | reserved | invalid | duplicate_within_batch")


class BulkInviteResult(Resource):
    created: int
    skipped: int
    invites: list[InviteResponse]
    slug_conflicts: list[SlugConflict] = Field(alias="slugConflicts")


class InviteList(Resource):
    items: list[InviteResponse]
    next_cursor: str | None = Field(alias="nextCursor")
    has_more: bool = Field(alias="hasMore")


class InvitePreview(Resource):
    brand_name: str = Field(alias="brandName")
    program_id: uuid.UUID = Field(alias="programId")
    program_name: str = Field(alias="programName")
    email: str
    full_name: str | None = Field(alias="fullName")
    state: InviteState
    personal_note_html: str | None = Field(alias="personalNoteHtml")
    expires_at: Timestamp = Field(alias="expiresAt")


class InviteAccepted(Resource):
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    program_id: uuid.UUID = Field(alias="programId")
    status: str
    slug: str | None
    warnings: list[str]


# ---- the ledger's request/reply methods ------------------------------------------------------
class Brand(BaseModel):
    """The org's name and home currency, resolved by the gateway (it owns orgs)."""

    name: str
    currency: str = "USD"


class CreateInvite(OrgScoped):
    actor: Actor
    brand: Brand
    data: InviteCreate


class CreateBulkInvites(OrgScoped):
    actor: Actor
    brand: Brand
    data: BulkInviteCreate


class ListInvites(OrgScoped):
    take: int = 50
    cursor: CursorText | None = None
    program_id: uuid.UUID | None = Field(default=None, alias="programId")
    state: InviteState | None = None


class ResendInvite(OrgScoped):
    actor: Actor
    invite_id: uuid.UUID = Field(alias="inviteId")


class RevokeInvite(OrgScoped):
    actor: Actor
    invite_id: uuid.UUID = Field(alias="inviteId")


class PreviewInvite(BaseModel):
    token: Token


class AcceptInvite(BaseModel):
    token: Token
    actor: Actor


class InviteEmailRequested(BaseModel):
    """The outbox message behind each invite e-mail; the token is re-derived by the worker."""

    invite_id: uuid.UUID = Field(alias="inviteId")
    org_id: uuid.UUID = Field(alias="orgId")
    token_version: int = Field(alias="tokenVersion")

    model_config = ConfigDict(populate_by_name=True)


# ---- declared methods ------------------------------------------------------------------------
CREATE_INVITE = Rpc("ledger", "invites.create", CreateInvite, InviteCreated)
CREATE_BULK_INVITES = Rpc("ledger", "invites.bulk", CreateBulkInvites, BulkInviteResult)
LIST_INVITES = Rpc("ledger", "invites.list", ListInvites, InviteList)
RESEND_INVITE = Rpc("ledger", "invites.resend", ResendInvite, InviteCreated)
REVOKE_INVITE = Rpc("ledger", "invites.revoke", RevokeInvite, InviteResponse)
PREVIEW_INVITE = Rpc("ledger", "invites.preview", PreviewInvite, InvitePreview)
ACCEPT_INVITE = Rpc("ledger", "invites.accept", AcceptInvite, InviteAccepted)
