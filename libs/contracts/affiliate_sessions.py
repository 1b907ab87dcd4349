"""Affiliates signed in to their own portal (a JWT): who they are in the ledger's terms, and
the one shape every affiliate-side command carries them in.

The ledger owns affiliates, one row per person per program, in any number of orgs. A signed-in
affiliate is identified by a verified e-mail (the ``REKOMI_JWT_AFFILIATE_CLAIM`` claim), and
their memberships are the live affiliate rows with that e-mail, across orgs. The gateway asks
the ledger once per identity and keeps the answer a few seconds.

Affiliate-side routes (``Auth.AFFILIATE_JWT``) send the owner the caller's memberships under
``memberships``, each with its org's name and handle (the gateway owns orgs): an owner's
command extends ``MeScoped`` and answers for those memberships only."""

from __future__ import annotations

import uuid
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from libs.contracts.affiliates import AffiliateStatus
from libs.contracts.common import Resource
from libs.shared.errors import ValidationFailed
from libs.shared.rpc import Rpc

# More affiliate rows than one person plausibly holds; bounds what one command carries.
MAX_MEMBERSHIPS = 1000


class Membership(Resource):
    """One affiliate row of the caller: the ledger's identity answer, and what the gateway
    sends in every affiliate-side command (with the org's name and handle filled in)."""

    org_id: uuid.UUID = Field(alias="orgId")
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    program_id: uuid.UUID = Field(alias="programId")
    status: AffiliateStatus
    # None in the ledger's identity answer (it does not own orgs); the gateway fills both.
    org_name: str | None = Field(default=None, alias="orgName")
    org_handle: str | None = Field(default=None, alias="orgHandle", description=(
        "The `{handle}` of `{handle}.rekomi.com`."))


class MeScoped(BaseModel):
    """Every affiliate-side command: the caller's memberships, then the endpoint's own
    parameters. The owners answer for these memberships only: a ``programId`` or
    ``affiliateId`` outside them is 404, another affiliate of the same org is never seen."""

    # Commands whose answers show the org (its name, its branded subdomain) set this: a
    # membership without them is refused rather than shown as "None".
    needs_org_names: ClassVar[bool] = False

    memberships: Annotated[list[Membership], Field(max_length=MAX_MEMBERSHIPS)]

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _named(self) -> MeScoped:
        if self.needs_org_names and any(m.org_name is None or m.org_handle is None
                                        for m in self.memberships):
            raise ValidationFailed("every membership needs orgName and orgHandle",
                                   field="memberships")
        return self

    def pairs(self) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        """(org ids, affiliate ids), index for index: how SQL takes the memberships."""
        return ([m.org_id for m in self.memberships],
                [m.affiliate_id for m in self.memberships])


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


RESOLVE_AFFILIATE_IDENTITY = Rpc("ledger", "affiliates.identity", ResolveIdentity,
                                 AffiliateIdentity)
