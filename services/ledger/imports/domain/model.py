"""Roster import as pure rules: map each row's status, decide which rows import and why the
others do not, and which slugs a row may keep. The database is consulted by the caller only for
the emails already in the program (``existing``)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from libs.contracts.affiliates import AffiliateStatus as S
from libs.contracts.imports import AffiliateImportRow
from services.ledger.affiliates.domain.links import slug_problem
from services.ledger.affiliates.domain.model import normalize_email

STATUS_BY_NAME = {s.value.lower(): s for s in S}
MAX_FULL_NAME = 200
# Why a row did not import: skipped (nothing wrong with it) or errored (bad data).
SKIP_REASONS = frozenset({"already_exists", "duplicate_in_batch", "status_excluded"})
ERROR_REASONS = frozenset({"missing_email", "invalid_email", "invalid_full_name",
                           "invalid_paypal_email"})


@dataclass(frozen=True, slots=True)
class PlannedRow:
    email: str
    full_name: str | None
    status: S
    paypal_email: str | None
    preferred_slug: str | None  # the row's own slug when well-formed and not reserved


@dataclass(slots=True)
class ImportPlan:
    total: int
    rows: list[PlannedRow] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str, count: int = 1) -> None:
        self.reasons[reason] += count

    @property
    def skipped(self) -> int:
        return sum(n for r, n in self.reasons.items() if r in SKIP_REASONS)

    @property
    def errored(self) -> int:
        return sum(n for r, n in self.reasons.items() if r in ERROR_REASONS)


def map_status(raw: str | None) -> S:
    """Case-insensitive; omitted (or blank) means approved (the affiliate was live on the prior
    platform); anything unrecognized falls back to pending."""
    if raw is None or not raw.strip():
        return S.Approved
    return STATUS_BY_NAME.get(raw.strip().lower(), S.Pending)


# A dot-atom local part: for these, validity and normal form depend on the domain alone, so the
# costly domain check (IDNA rules, per character) runs once per distinct domain, not per row.
_SIMPLE_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")


def canonical_email(raw: str) -> str | None:
    """The email as ``POST /affiliates`` stores it (pydantic's EmailStr, then lower-cased), or
    None when it is not an address."""
    text = raw.strip()
    local, at, domain = text.rpartition("@")
    if at and len(text) <= 254 and len(local) <= 64 and _SIMPLE_LOCAL.fullmatch(local):
        normal_domain = _canonical_domain(domain)
        return None if normal_domain is None else f"{local.lower()}@{normal_domain}"
    return _validated(text)


@lru_cache(maxsize=4096)
def _canonical_domain(domain: str) -> str | None:
    checked = _validated(f"x@{domain}")
    return None if checked is None else checked.rpartition("@")[2]


def _validated(text: str) -> str | None:
    try:
        return normalize_email(validate_email(text)[1])
    except PydanticCustomError:
        return None


def _row_problem(row: AffiliateImportRow) -> str | None:
    if row.full_name is not None and len(row.full_name.strip()) > MAX_FULL_NAME:
        return "invalid_full_name"
    if row.paypal_email and row.paypal_email.strip() and canonical_email(row.paypal_email) is None:
        return "invalid_paypal_email"
    return None


def _planned(row: AffiliateImportRow, email: str, status: S, slug_free: bool) -> PlannedRow:
    name = (row.full_name or "").strip() or None
    paypal = canonical_email(row.paypal_email) if row.paypal_email and row.paypal_email.strip() \
        else None
    keep = row.slug is not None and slug_free and slug_problem(row.slug) is None
    return PlannedRow(email=email, full_name=name, status=status, paypal_email=paypal,
                      preferred_slug=row.slug if keep else None)


def candidate_emails(rows: Iterable[AffiliateImportRow]) -> list[str]:
    """The canonical emails of the rows that have one: what to look up in the program."""
    found = (canonical_email(r.email) for r in rows if r.email and r.email.strip())
    return sorted({e for e in found if e is not None})


def plan_import(rows: Sequence[AffiliateImportRow], existing: Iterable[str],
                include_statuses: Iterable[str] | None) -> ImportPlan:
    """Which rows import. The first row with a given email claims it for the batch (later ones
    are ``duplicate_in_batch`` whatever becomes of the first); an email already in the program
    is ``already_exists``, so re-running the same rows imports nothing twice."""
    allowed = None if include_statuses is None else {map_status(s) for s in include_statuses}
    taken, claimed, slugs = set(existing), set[str](), set[str]()
    plan = ImportPlan(total=len(rows))
    for row in rows:
        if row.email is None or not row.email.strip():
            plan.skip("missing_email")
            continue
        email = canonical_email(row.email)
        if email is None:
            plan.skip("invalid_email")
            continue
        if email in claimed:
            plan.skip("duplicate_in_batch")
            continue
        claimed.add(email)
        status = map_status(row.status)
        reason = ("already_exists" if email in taken
                  else "status_excluded" if allowed is not None and status not in allowed
                  else _row_problem(row))
        if reason is not None:
            plan.skip(reason)
            continue
        planned = _planned(row, email, status, slug_free=row.slug not in slugs)
        if planned.preferred_slug is not None:
            slugs.add(planned.preferred_slug)
        plan.rows.append(planned)
    return plan
