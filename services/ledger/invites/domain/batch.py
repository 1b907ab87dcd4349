"""Planning a bulk invite: which rows get an invite, which are skipped, whose slug is refused."""

from __future__ import annotations

from dataclasses import dataclass

from libs.contracts.invites import SlugConflict
from services.ledger.affiliates.domain.links import slug_problem
from services.ledger.affiliates.domain.model import normalize_email


@dataclass(frozen=True, slots=True)
class Row:
    email: str
    full_name: str | None
    slug: str | None


@dataclass(frozen=True, slots=True)
class BatchPlan:
    rows: list[Row]
    skipped: int
    slug_conflicts: list[SlugConflict]


def unique_rows(rows: list[Row]) -> list[Row]:
    """Normalized emails, the first row of each email kept."""
    seen: dict[str, Row] = {}
    for row in rows:
        email = normalize_email(row.email)
        seen.setdefault(email, Row(email, row.full_name, row.slug))
    return list(seen.values())


def plan_batch(rows: list[Row], *, known_emails: set[str], taken_slugs: set[str]) -> BatchPlan:
    """Duplicates within the batch and ``known_emails`` (already affiliates of the program or
    already invited) are skipped silently; a refused slug leaves the row invited without one."""
    fresh = [r for r in unique_rows(rows) if r.email not in known_emails]
    kept: list[Row] = []
    conflicts: list[SlugConflict] = []
    claimed: set[str] = set()
    for row in fresh:
        reason = _slug_reason(row.slug, claimed, taken_slugs)
        if reason is not None:
            conflicts.append(SlugConflict(email=row.email, requested_slug=row.slug,
                                          reason=reason))
            row = Row(row.email, row.full_name, None)
        elif row.slug is not None:
            claimed.add(row.slug)
        kept.append(row)
    return BatchPlan(rows=kept, skipped=len(rows) - len(kept), slug_conflicts=conflicts)


def _slug_reason(slug: str | None, claimed: set[str], taken: set[str]) -> str | None:
    if slug is None:
        return None
    problem = slug_problem(slug)
    if problem is not None:
        return problem
    if slug in claimed:
        return "duplicate_within_batch"
    return "taken" if slug in taken else None
