"""The roster-import rules without a database: status mapping, reasons, dedupe, slugs, and the
idempotency of planning (rows planned, then treated as existing, plan nothing the second time)."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from libs.contracts.affiliates import AffiliateStatus as S
from libs.contracts.common import as_json
from libs.contracts.imports import AffiliateImportBody, AffiliateImportRow
from libs.shared.errors import ValidationFailed
from services.ledger.imports.adapters.repository import Job
from services.ledger.imports.domain.model import (
    ERROR_REASONS,
    SKIP_REASONS,
    ImportPlan,
    candidate_emails,
    canonical_email,
    map_status,
    plan_import,
)
from services.ledger.imports.service_layer.revert import revert_result
from services.ledger.imports.service_layer.roster import job_response


def row(**fields: Any) -> AffiliateImportRow:
    return AffiliateImportRow.model_validate(fields)


@pytest.mark.parametrize(("raw", "expected"), [
    (None, S.Approved), ("", S.Approved), ("  ", S.Approved), ("approved", S.Approved),
    ("PENDING", S.Pending), (" Rejected ", S.Rejected), ("paused", S.Paused),
    ("BaNnEd", S.Banned), ("active", S.Pending), ("approve", S.Pending),
])
def test_status_mapping(raw: str | None, expected: S) -> None:
    assert map_status(raw) == expected


def test_reasons_for_every_kind_of_row() -> None:
    plan = plan_import([
        row(email="new@example.com", fullName="  New  ", paypalEmail="PAY@Example.com",
            slug="newbie"),
        row(fullName="no email"), row(email="   "), row(email="not-an-email"),
        row(email="NEW@example.com"), row(email="old@example.com"),
        row(email="p@example.com", status="paused"), row(email="long@example.com",
                                                          fullName="x" * 201),
        row(email="pp@example.com", paypalEmail="nope"),
    ], existing={"old@example.com"}, include_statuses=["approved", "PENDING"])
    assert plan.total == 9
    assert dict(plan.reasons) == {"missing_email": 2, "invalid_email": 1,
                                  "duplicate_in_batch": 1, "already_exists": 1,
                                  "status_excluded": 1, "invalid_full_name": 1,
                                  "invalid_paypal_email": 1}
    assert (plan.skipped, plan.errored) == (3, 5)
    [only] = plan.rows
    assert (only.email, only.full_name, only.paypal_email, only.preferred_slug,
            only.status) == ("new@example.com", "New", "pay@example.com", "newbie", S.Approved)


def test_a_slug_is_kept_only_when_well_formed_not_reserved_and_first_in_batch() -> None:
    plan = plan_import([row(email=f"u{i}@example.com", slug=slug) for i, slug in enumerate(
        ["alex", "alex", "Alex", "admin", "-x-", "ok-slug", None])], [], None)
    assert [r.preferred_slug for r in plan.rows] == ["alex", None, None, None, None, "ok-slug",
                                                     None]


def test_emails_are_canonical_like_the_create_endpoint() -> None:
    assert canonical_email(" Jordan.Lee@Example.COM ") == "jordan.lee@example.com"
    assert canonical_email("a@b") is None
    assert candidate_emails([row(email="B@x.io"), row(email="bad"), row(), row(email="b@x.io")]
                            ) == ["b@x.io"]


def test_more_than_1000_rows_is_row_cap_exceeded() -> None:
    body = {"programId": "0189abcd-0000-7000-8000-000000000000",
            "affiliates": [{"email": f"u{i}@example.com"} for i in range(1001)]}
    with pytest.raises(ValidationFailed) as raised:
        AffiliateImportBody.model_validate(body)
    assert (raised.value.code, raised.value.field) == ("row_cap_exceeded", "affiliates")
    body["affiliates"] = body["affiliates"][:1000]
    assert len(AffiliateImportBody.model_validate(body).affiliates) == 1000


def test_include_statuses_must_name_known_statuses() -> None:
    base = {"programId": "0189abcd-0000-7000-8000-000000000000", "affiliates": []}
    with pytest.raises(ValidationFailed) as raised:
        AffiliateImportBody.model_validate({**base, "includeStatuses": ["approved", "active"]})
    assert raised.value.field == "includeStatuses"
    AffiliateImportBody.model_validate({**base, "includeStatuses": ["Approved", "BANNED"]})


# ---- properties -------------------------------------------------------------------------------
EMAILS = st.sampled_from(["a@example.com", "A@Example.com", "b@example.com", "c@example.org",
                          "bad", "", " d@example.com "])
STATUSES = st.one_of(st.none(), st.sampled_from(["approved", "Pending", "BANNED", "paused",
                                                 "rejected", "weird", ""]))
ROWS = st.lists(st.builds(
    AffiliateImportRow, email=st.one_of(st.none(), EMAILS),
    full_name=st.one_of(st.none(), st.text(st.characters(exclude_characters="\x00"), max_size=5),
                        st.just("n" * 201)),
    status=STATUSES, slug=st.one_of(st.none(), st.sampled_from(["alex", "ab", "admin", "ok-1"])),
    paypal_email=st.one_of(st.none(), st.sampled_from(["p@example.com", "nope"]))), max_size=30)
INCLUDE = st.one_of(st.none(), st.lists(st.sampled_from(["approved", "pending", "banned"]),
                                        min_size=1))


@given(rows=ROWS, existing=st.sets(st.sampled_from(["a@example.com", "c@example.org"])),
       include=INCLUDE)
def test_planning_twice_plans_nothing_the_second_time(rows: list[AffiliateImportRow],
                                                      existing: set[str],
                                                      include: list[str] | None) -> None:
    first = plan_import(rows, existing, include)
    emails = [r.email for r in first.rows]
    assert len(emails) == len(set(emails))  # within-batch duplicates counted once
    assert not set(emails) & existing
    assert first.total == len(rows) == len(first.rows) + first.skipped + first.errored
    assert set(first.reasons) <= SKIP_REASONS | ERROR_REASONS
    assert all(n > 0 for n in first.reasons.values())
    second = plan_import(rows, existing | set(emails), include)
    assert second.rows == []
    assert second.reasons["already_exists"] == first.reasons["already_exists"] + len(emails)
    slugs = [r.preferred_slug for r in first.rows if r.preferred_slug]
    assert len(slugs) == len(set(slugs))


@given(st.one_of(st.emails(), st.text(max_size=40),
                 st.builds("{}@{}".format, st.text(max_size=12), st.sampled_from(
                     ["example.com", "EXAMPLE.com", "b", "bücher.de", "x.test", "a..b", "-a.io",
                      "ab--cd.com", "xn--bcher-kva.de", "1.2.3.4", "[127.0.0.1]"]))))
def test_the_fast_email_path_agrees_with_full_validation(raw: str) -> None:
    from services.ledger.imports.domain.model import _validated

    assert canonical_email(raw) == _validated(raw.strip())


def test_batched_events_have_the_domain_event_shape() -> None:
    import uuid
    from datetime import UTC, datetime

    from libs.contracts.events import DomainEvent
    from libs.shared import jsonutil
    from libs.shared.outbox_batch import event_body

    org, now = uuid.uuid4(), datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    event_id, body = event_body("affiliate.created", org, {"id": "x"}, now)
    expected = DomainEvent(id=event_id, type="affiliate.created", org_id=org, created_at=now,
                           data={"id": "x"}).model_dump(mode="json", by_alias=True)
    assert jsonutil.loads(body) == expected


# ---- the replies a client sees ---------------------------------------------------------------
def test_import_replies_json_is_pinned() -> None:
    """The MigrationJob answer of POST /affiliates/import, and the revert's answer, which names
    removedConversions only for a conversions import."""
    plan = ImportPlan(total=6, reasons=Counter({"missing_email": 1, "already_exists": 2}))
    job_id = uuid.UUID(int=1)
    assert as_json(job_response(job_id, plan, 3)) == {
        "jobId": "00000000-0000-0000-0000-000000000001", "status": "Completed",
        "kind": "Affiliates", "total": 6, "imported": 3, "skipped": 2, "errored": 1,
        "reasons": {"already_exists": 2, "missing_email": 1}}
    job = Job(job_id, uuid.UUID(int=2), uuid.UUID(int=3), "Affiliates", "Completed", 3, 3, 0,
              0, {}, None)
    roster = {"jobId": "00000000-0000-0000-0000-000000000001",
              "orgId": "00000000-0000-0000-0000-000000000002", "status": "Reverted",
              "alreadyReverted": False, "removedAffiliates": 3, "removedLinks": 4}
    assert as_json(revert_result(job, already=False, affiliates=3, links=4)) == roster
    assert as_json(revert_result(job, already=False, conversions=0)) == {
        **roster, "removedAffiliates": 0, "removedLinks": 0, "removedConversions": 0}
