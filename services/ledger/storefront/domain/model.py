"""The public storefront's rules: which campaign a handle or domain serves, and what an
application becomes. The org's *primary* campaign is its oldest live, active program (the one
served at the bare ``{handle}.rekomi.com``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from libs.contracts.affiliates import AffiliateStatus as S
from libs.contracts.storefront import (
    APPLICATION_RECEIVED,
    ApplicationReceived,
    ApplyBody,
    ApplyResult,
    StorefrontListing,
)
from services.ledger.affiliates.domain.model import Affiliate, normalize_email
from services.ledger.programs.domain.model import Program

MESSAGES = {S.Approved: "Welcome aboard.", S.Pending: "Application received."}
# What an email that already applied to the program gets (the reference's duplicate reply).
DUPLICATE = ApplicationReceived(ok=True, message=APPLICATION_RECEIVED)


def is_listed(program: Program | None) -> bool:
    """Only live, active programs are shown or take applications."""
    return program is not None and program.is_active and program.archived_at is None


def normalize_host(host: str) -> str:
    """``Affiliates.YourBrand.com.:443`` -> ``affiliates.yourbrand.com``."""
    host = host.strip().lower()
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def public_view(program: Program) -> StorefrontListing:
    """The landing-page fields; the gateway adds ``organizationName``. No org id leaves."""
    return StorefrontListing(id=program.id, name=program.name, slug=program.slug,
                             description=program.description, terms_url=program.terms_url,
                             custom_alias_supported=True)


def status_for(program: Program) -> S:
    return S.Approved if program.auto_approve else S.Pending


def new_application(program: Program, body: ApplyBody, *, affiliate_id: uuid.UUID,
                    recruiter: Affiliate | None, now: datetime) -> Affiliate:
    status = status_for(program)
    return Affiliate(
        id=affiliate_id, org_id=program.org_id, program_id=program.id,
        email=normalize_email(body.email), full_name=body.full_name, status=status.value,
        custom_commission_type=None, custom_commission_value=None, tags=[], notes=None,
        source="Public", application_data=body.application_data(), rejection_reason=None,
        recruited_by_affiliate_id=recruiter.id if recruiter else None, applied_at=now,
        approved_at=now if status == S.Approved else None, created_at=now, updated_at=now)


def honoured_recruiter(candidate: Affiliate | None, *, org_id: uuid.UUID, email: str
                       ) -> Affiliate | None:
    """``recruitedByAffiliateId`` counts only for an Approved affiliate of the same org who is
    not the applicant (same email = self-recruit); anything else is silently ignored."""
    if candidate is None or candidate.org_id != org_id or candidate.status != S.Approved:
        return None
    if candidate.deleted_at is not None or candidate.email == normalize_email(email):
        return None
    return candidate


def apply_reply(affiliate_id: uuid.UUID, status: S, slug: str | None) -> ApplyResult:
    """The reply to a fresh application (a duplicate gets ``DUPLICATE`` instead)."""
    return ApplyResult(affiliate_id=affiliate_id, status=status.value,
                       affiliate_link_slug=slug if status == S.Approved else None,
                       message=MESSAGES[status])
