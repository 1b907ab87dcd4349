"""Who is calling.

- ``Principal``: a caller acting for one org, with the org's plan as the gateway last read it:
  an API key (``key_id`` set, ``operator`` None) or a brand operator signed in to the dashboard
  with a JWT (``operator`` set, ``key_id`` None). Brand-side handlers read ``org_id`` the same
  way for both.
- ``AffiliatePrincipal``: an affiliate signed in to their own portal; no org of its own, but the
  affiliate rows (memberships) the ledger holds for the verified identity, across orgs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.gateway.domain.plans import SubscriptionStatus, Tier
from services.gateway.domain.roles import Role
from services.gateway.domain.scopes import Scope


@dataclass(frozen=True, slots=True)
class Operator:
    """A brand operator from a verified JWT's claims (the mapping: ``domain/claims.py``)."""

    user_id: str  # the token's user claim (``sub``): the audit log's actorUserId
    role: Role
    email: str | None
    email_verified: bool


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: uuid.UUID | None  # the API key; None for a dashboard operator
    org_id: uuid.UUID
    scope: Scope  # an operator's is read_write: the role decides instead
    plan: Tier
    status: SubscriptionStatus
    operator: Operator | None = None  # None for an API key

    @property
    def is_api_key(self) -> bool:
        return self.operator is None

    @property
    def rate_subject(self) -> str:
        """What the per-caller rate limit counts: the key, or the operator in the org."""
        if self.operator is None:
            return f"key:{self.key_id}"
        return f"user:{self.org_id}:{self.operator.user_id}"


@dataclass(frozen=True, slots=True)
class Membership:
    """One affiliate row of the signed-in person: one program of one org, and the org's name
    and handle (the owners show them; the gateway owns orgs)."""

    org_id: uuid.UUID
    affiliate_id: uuid.UUID
    program_id: uuid.UUID
    status: str  # Pending | Approved | Rejected | Paused | Banned
    org_name: str
    org_handle: str


@dataclass(frozen=True, slots=True)
class AffiliatePrincipal:
    subject: str  # the token's user claim
    email: str  # the verified identity the ledger matched
    memberships: tuple[Membership, ...]

    @property
    def rate_subject(self) -> str:
        return f"affiliate:{self.email}"

    def affiliate_ids(self, org_id: uuid.UUID | None = None) -> frozenset[uuid.UUID]:
        """The person's affiliate ids (in one org, when given): what an affiliate-side
        handler may show. Anything else is another person's: answer 404."""
        return frozenset(m.affiliate_id for m in self.memberships
                         if org_id is None or m.org_id == org_id)
