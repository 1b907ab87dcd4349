"""Affiliates as plain data: the status lifecycle, PATCH rules and the API shape."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from libs.contracts.affiliates import AffiliateResponse
from libs.contracts.affiliates import AffiliateStatus as S
from libs.shared.errors import ValidationFailed
from services.ledger.affiliates.domain.links import Link, link_response
from services.ledger.domain.errors import InvalidStatusTransition

# Which statuses each target status may be reached from (DOMAIN.md lifecycle):
# Pending -> Approved | Rejected; Approved <-> Paused; any -> Banned.
ALLOWED_FROM: dict[S, frozenset[S]] = {
    S.Approved: frozenset({S.Pending, S.Paused}),
    S.Rejected: frozenset({S.Pending}),
    S.Paused: frozenset({S.Approved}),
    S.Banned: frozenset({S.Pending, S.Approved, S.Rejected, S.Paused}),
    S.Pending: frozenset(),
}
# The statuses that hold one of a program's ``maxAffiliates`` seats: a paused affiliate keeps
# its seat, so resuming one never runs into the capacity.
SEATED = frozenset({S.Approved.value, S.Paused.value})
VERB = {S.Approved: "approve", S.Rejected: "reject", S.Paused: "pause", S.Banned: "ban",
        S.Pending: "move back to Pending"}


@dataclass(frozen=True, slots=True)
class Affiliate:
    id: uuid.UUID
    org_id: uuid.UUID
    program_id: uuid.UUID
    email: str
    full_name: str | None
    status: str
    custom_commission_type: str | None
    custom_commission_value: Decimal | None
    tags: list[str]
    notes: str | None
    source: str
    application_data: dict[str, Any] | None
    rejection_reason: str | None
    recruited_by_affiliate_id: uuid.UUID | None
    applied_at: datetime | None
    approved_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    import_job_id: uuid.UUID | None = None
    links: list[Link] = field(default_factory=list, compare=False)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def can_move(current: str, target: S) -> bool:
    return current == target or S(current) in ALLOWED_FROM[target]


def takes_seat(before: Affiliate | None, after: Affiliate) -> bool:
    """Whether this change (``before`` None: a creation) claims a new seat in the program."""
    return after.status in SEATED and (before is None or before.status not in SEATED)


def has_room(capacity: int | None, seated: int, adding: int = 1) -> bool:
    """``capacity`` None is unlimited; a program already over it (lowered) takes no one."""
    return capacity is None or seated + adding <= capacity


def move(affiliate: Affiliate, target: S, *, now: datetime, reason: str | None = None
         ) -> Affiliate:
    """The affiliate in ``target`` status; the same object when it already is; a 409 when the
    lifecycle does not allow it (approving a Banned affiliate, rejecting an Approved one)."""
    if affiliate.status == target:
        return affiliate
    if not can_move(affiliate.status, target):
        raise InvalidStatusTransition(
            f"cannot {VERB[target]} an affiliate that is {affiliate.status}", field="status")
    changes: dict[str, Any] = {"status": target.value, "updated_at": now}
    if target == S.Approved and affiliate.approved_at is None:
        changes["approved_at"] = now
    if target == S.Rejected:
        changes["rejection_reason"] = reason
    return dataclasses.replace(affiliate, **changes)


def apply_patch(affiliate: Affiliate, changes: dict[str, Any], *, now: datetime) -> Affiliate:
    changes = dict(changes)
    target = changes.pop("status", None)
    updated = move(affiliate, S(target), now=now) if target is not None else affiliate
    if "tags" in changes:
        changes["tags"] = list(dict.fromkeys(changes["tags"]))  # unique, order kept
    updated = dataclasses.replace(updated, **changes)
    _check_commission(updated)
    if updated == affiliate:
        return affiliate
    return dataclasses.replace(updated, updated_at=now)


def _check_commission(affiliate: Affiliate) -> None:
    """The merged custom commission: type and value together, a percentage at most 100."""
    kind, value = affiliate.custom_commission_type, affiliate.custom_commission_value
    if (kind is None) != (value is None):
        raise ValidationFailed("customCommissionType and customCommissionValue go together",
                               field="customCommissionValue" if value is None
                               else "customCommissionType")
    if kind == "Percentage" and value is not None and value > 100:
        raise ValidationFailed("a Percentage commission must be between 0 and 100",
                               field="customCommissionValue")


def to_response(affiliate: Affiliate, *, for_dashboard: bool = False) -> AffiliateResponse:
    """Identity, payment and tax fields never leave the ledger; ``applicationData`` only for
    a dashboard operator (the reference keeps it for the review screen, never for API keys,
    and so never in webhook or audit bodies, which are built without it)."""
    # Set or not set: an unset field is left out of the JSON (AffiliateResponse).
    kept = {"application_data": affiliate.application_data} if for_dashboard else {}
    return AffiliateResponse(
        id=affiliate.id, program_id=affiliate.program_id, email=affiliate.email,
        full_name=affiliate.full_name, status=affiliate.status,
        custom_commission_type=affiliate.custom_commission_type,
        custom_commission_value=affiliate.custom_commission_value, tags=affiliate.tags,
        notes=affiliate.notes, source=affiliate.source, applied_at=affiliate.applied_at,
        approved_at=affiliate.approved_at, created_at=affiliate.created_at,
        links=[link_response(link) for link in affiliate.links], **kept)
