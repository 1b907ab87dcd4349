"""Affiliates signed in to their own portal (a JWT): who they are in the ledger's terms.

The ledger owns affiliates, one row per person per program, in any number of orgs. A signed-in
affiliate is identified by a verified e-mail (the ``REKOMI_JWT_AFFILIATE_CLAIM`` claim), and
their memberships are the live affiliate rows with that e-mail, across orgs. The gateway asks
the ledger once per identity and keeps the answer a few seconds.

Affiliate-side routes (``Auth.AFFILIATE_JWT``) forward ``AffiliateSession`` to their owner
under the payload key ``affiliate``, so an owner's request model declares
``affiliate: AffiliateSession`` and answers for those affiliate ids only."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, model_validator

from libs.contracts.affiliates import AffiliateStatus
from libs.contracts.common import Resource
from libs.shared.errors import ValidationFailed
from libs.shared.rpc import Rpc


class Membership(Resource):
    org_id: uuid.UUID = Field(alias="orgId")
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    program_id: uuid.UUID = Field(alias="programId")
    status: AffiliateStatus


class ResolveIdentity(BaseModel):
    """By the signed-in e-mail (the gateway), or by one affiliate's id (``rekomi admin
    dev-token --affiliate``, which needs that affiliate's e-mail to sign in as them)."""

    email: str | None = Field(default=None, max_length=320)
    affiliate_id: uuid.UUID | None = Field(default=None, alias="affiliateId")

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _one(self) -> ResolveIdentity:
        if (self.email is None) == (self.affiliate_id is None):
            raise ValidationFailed("send email or affiliateId", field="email")
        return self


class AffiliateIdentity(Resource):
    email: str | None  # None: no live affiliate has that id
    memberships: list[Membership]


class AffiliateSession(Resource):
    """What an affiliate-side route's owner is told about the caller."""

    subject: str
    email: str
    memberships: list[Membership]


class MembershipList(Resource):
    """``GET /api/v1/me/memberships``: the caller's affiliate rows, across orgs."""

    items: list[Membership]


RESOLVE_AFFILIATE_IDENTITY = Rpc("ledger", "affiliates.identity", ResolveIdentity,
                                 AffiliateIdentity)
