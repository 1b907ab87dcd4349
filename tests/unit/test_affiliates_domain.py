"""The affiliate domain as plain data: the lifecycle table (every pair), PATCH rules, the API
shape, and the link slug helpers."""

from __future__ import annotations

import dataclasses
import itertools
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from libs.contracts.affiliates import AffiliateStatus as S
from libs.contracts.common import as_json
from libs.shared.errors import ValidationFailed
from services.ledger.affiliates.domain import model as domain
from services.ledger.affiliates.domain.links import (
    RESERVED_SLUGS,
    Link,
    base_from,
    check_slug,
    generated_slug,
    link_response,
    slug_problem,
)
from services.ledger.domain.errors import InvalidStatusTransition, SlugReserved

T0 = datetime(2026, 4, 15, 10, 0, tzinfo=UTC)
LATER = T0 + timedelta(hours=1)
RESPONSE_KEYS = {"id", "programId", "email", "fullName", "status", "customCommissionType",
                 "customCommissionValue", "tags", "notes", "source", "appliedAt", "approvedAt",
                 "createdAt", "links"}
SECRET_KEYS = {"applicationData", "paypalEmail", "clerkUserId", "stripeConnectAccountId",
               "taxFormStatus", "kycStatus", "rejectionReason", "orgId", "deletedAt"}
# DOMAIN.md, written out independently of the code: Pending -> Approved | Rejected;
# Approved <-> Paused; any -> Banned. Repeating the current status is a no-op.
LEGAL = {(S.Pending, S.Approved), (S.Pending, S.Rejected), (S.Approved, S.Paused),
         (S.Paused, S.Approved), (S.Pending, S.Banned), (S.Approved, S.Banned),
         (S.Rejected, S.Banned), (S.Paused, S.Banned)}
PAIRS = list(itertools.product(S, S))


def affiliate(status: S = S.Pending, **overrides: Any) -> domain.Affiliate:
    approved = T0 if status in (S.Approved, S.Paused) else None
    values: dict[str, Any] = dict(
        id=uuid.uuid4(), org_id=uuid.uuid4(), program_id=uuid.uuid4(), email="jane@creator.com",
        full_name="Jane Doe", status=status.value, custom_commission_type=None,
        custom_commission_value=None, tags=["youtube"], notes=None, source="Direct",
        application_data={"why": "audience"}, rejection_reason=None,
        recruited_by_affiliate_id=None, applied_at=T0, approved_at=approved, created_at=T0,
        updated_at=T0)
    values.update(overrides)
    return domain.Affiliate(**values)


# ---- lifecycle -------------------------------------------------------------------------------
def test_the_table_covers_every_pair() -> None:
    assert len(PAIRS) == 25
    assert {S.Pending, S.Approved, S.Rejected, S.Paused, S.Banned} == set(S)


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_move_follows_the_lifecycle(current: S, target: S) -> None:
    before = affiliate(current)
    if current == target:
        assert domain.move(before, target, now=LATER) is before
        assert domain.can_move(current, target)
    elif (current, target) in LEGAL:
        after = domain.move(before, target, now=LATER, reason="r")
        assert after.status == target.value
        assert after.updated_at == LATER
        assert domain.can_move(current, target)
        unchanged = {f.name for f in dataclasses.fields(after)} - {
            "status", "updated_at", "approved_at", "rejection_reason"}
        for name in unchanged:
            assert getattr(after, name) == getattr(before, name), name
    else:
        assert not domain.can_move(current, target)
        with pytest.raises(InvalidStatusTransition) as caught:
            domain.move(before, target, now=LATER)
        assert caught.value.code == "invalid_status_transition"
        assert caught.value.field == "status"
        assert current.value in str(caught.value)


def test_first_approval_stamps_approved_at_and_reapproval_keeps_it() -> None:
    approved = domain.move(affiliate(S.Pending), S.Approved, now=LATER)
    assert approved.approved_at == LATER
    paused = domain.move(approved, S.Paused, now=LATER + timedelta(days=1))
    assert paused.approved_at == LATER
    again = domain.move(paused, S.Approved, now=LATER + timedelta(days=2))
    assert again.approved_at == LATER


def test_rejection_keeps_the_reason_and_other_moves_do_not_set_one() -> None:
    rejected = domain.move(affiliate(S.Pending), S.Rejected, now=LATER, reason="Off-topic")
    assert (rejected.rejection_reason, rejected.approved_at) == ("Off-topic", None)
    banned = domain.move(affiliate(S.Approved), S.Banned, now=LATER, reason="ignored")
    assert banned.rejection_reason is None


# ---- apply_patch -----------------------------------------------------------------------------
def test_patch_changes_only_the_keys_given() -> None:
    before = affiliate(S.Approved, notes="old")
    after = domain.apply_patch(before, {"notes": "new", "full_name": None}, now=LATER)
    assert (after.notes, after.full_name, after.updated_at) == ("new", None, LATER)
    for name in ("email", "tags", "status", "approved_at", "custom_commission_type",
                 "application_data", "created_at"):
        assert getattr(after, name) == getattr(before, name), name


def test_patch_deduplicates_tags_keeping_first_order() -> None:
    after = domain.apply_patch(affiliate(), {"tags": ["b", "a", "b", "c", "a"]}, now=LATER)
    assert after.tags == ["b", "a", "c"]


@pytest.mark.parametrize("changes", [
    {}, {"notes": None}, {"tags": ["youtube"]}, {"tags": ["youtube", "youtube"]},
    {"full_name": "Jane Doe", "status": S.Pending}, {"status": S.Pending},
])
def test_patch_without_a_real_change_returns_the_same_object(changes: dict[str, Any]) -> None:
    before = affiliate(S.Pending)
    assert domain.apply_patch(before, changes, now=LATER) is before


def test_patch_commission_pair_set_and_cleared() -> None:
    before = affiliate()
    set_ = domain.apply_patch(before, {"custom_commission_type": "Percentage",
                                       "custom_commission_value": Decimal("25")}, now=LATER)
    assert set_.custom_commission_type == "Percentage"
    assert set_.custom_commission_value == Decimal(25)
    cleared = domain.apply_patch(set_, {"custom_commission_type": None,
                                        "custom_commission_value": None}, now=LATER)
    assert (cleared.custom_commission_type, cleared.custom_commission_value) == (None, None)


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_patch_status_follows_the_lifecycle(current: S, target: S) -> None:
    before = affiliate(current)
    changes = {"status": target, "notes": "with it"}
    if current != target and (current, target) not in LEGAL:
        with pytest.raises(InvalidStatusTransition):
            domain.apply_patch(before, changes, now=LATER)
        return
    after = domain.apply_patch(before, changes, now=LATER)
    assert (after.status, after.notes, after.updated_at) == (target.value, "with it", LATER)


# ---- to_response -----------------------------------------------------------------------------
def _link(affiliate_id: uuid.UUID) -> Link:
    return Link(id=uuid.uuid4(), org_id=uuid.uuid4(), affiliate_id=affiliate_id,
                slug="jane-recommends", custom_alias=None, is_default=True, format="Short",
                created_at=T0)


def test_response_has_exactly_the_documented_keys() -> None:
    a = affiliate(S.Approved, custom_commission_type="Fixed",
                  custom_commission_value=Decimal("12.50"))
    a = dataclasses.replace(a, links=[_link(a.id)])
    body = as_json(domain.to_response(a))
    assert set(body) == RESPONSE_KEYS
    assert not set(body) & SECRET_KEYS  # applicationData too: API keys never see it
    assert body["id"] == str(a.id) and body["programId"] == str(a.program_id)
    assert body["customCommissionValue"] == 12.5
    assert isinstance(body["customCommissionValue"], float)
    assert (body["appliedAt"], body["approvedAt"], body["createdAt"]) == (
        "2026-04-15T10:00:00Z", "2026-04-15T10:00:00Z", "2026-04-15T10:00:00Z")
    assert body["links"] == [as_json(link_response(a.links[0]))]
    assert set(body["links"][0]) == {"id", "affiliateId", "slug", "customAlias", "isDefault",
                                     "format", "createdAt"}


def test_response_nulls() -> None:
    a = affiliate(S.Pending, applied_at=None)
    body = as_json(domain.to_response(a))
    assert (body["appliedAt"], body["approvedAt"], body["customCommissionValue"]) == (
        None, None, None)
    body["tags"].append("mutated")
    assert a.tags == ["youtube"]  # the response is a copy


def test_the_reply_json_a_client_sees() -> None:
    """Pinned: the AffiliateResponse JSON (also the data of affiliate.* webhooks), key for key
    and in order, as the API answers it."""
    affiliate_id = uuid.UUID("01234567-0000-4000-8000-000000000001")
    link = Link(id=uuid.UUID("abcdef12-0000-4000-8000-000000000003"), org_id=uuid.uuid4(),
                affiliate_id=affiliate_id, slug="jane-recommends", custom_alias="jane-recommends",
                is_default=True, format="Short", created_at=LATER.replace(microsecond=5))
    a = dataclasses.replace(
        affiliate(S.Approved, custom_commission_type="Percentage",
                  custom_commission_value=Decimal("25.00"), tags=["youtube", "tier-1"],
                  notes="Top performer", source="Public"),
        id=affiliate_id, program_id=uuid.UUID("0789abcd-0000-4000-8000-000000000002"),
        links=[link])
    body = as_json(domain.to_response(a))
    expected = {
        "id": "01234567-0000-4000-8000-000000000001",
        "programId": "0789abcd-0000-4000-8000-000000000002", "email": "jane@creator.com",
        "fullName": "Jane Doe", "status": "Approved", "customCommissionType": "Percentage",
        "customCommissionValue": 25.0, "tags": ["youtube", "tier-1"], "notes": "Top performer",
        "source": "Public", "appliedAt": "2026-04-15T10:00:00Z",
        "approvedAt": "2026-04-15T10:00:00Z", "createdAt": "2026-04-15T10:00:00Z",
        "links": [{"id": "abcdef12-0000-4000-8000-000000000003",
                   "affiliateId": "01234567-0000-4000-8000-000000000001",
                   "slug": "jane-recommends", "customAlias": "jane-recommends",
                   "isDefault": True, "format": "Short",
                   "createdAt": "2026-04-15T11:00:00Z"}]}
    assert body == expected
    assert list(body) == list(expected)
    assert list(body["links"][0]) == list(expected["links"][0])


def test_email_is_normalized() -> None:
    assert domain.normalize_email("  Jane.Doe@Creator.COM ") == "jane.doe@creator.com"


# ---- slugs -----------------------------------------------------------------------------------
@pytest.mark.parametrize("slug", ["abc", "a-b", "jane-recommends", "a1-2b", "0x0", "a" * 64,
                                  "admin-1", "test2", "a--b"])
def test_valid_slugs(slug: str) -> None:
    assert slug_problem(slug) is None
    check_slug(slug)


@pytest.mark.parametrize("slug", ["", "a", "ab", "a" * 65, "-abc", "abc-", "Abc", "ab c",
                                  "ab_c", "ab.c", "ümlaut", "a/b", "abc-\n", "\nabc"])
def test_invalid_slugs(slug: str) -> None:
    assert slug_problem(slug) == "invalid"
    with pytest.raises(ValidationFailed) as caught:
        check_slug(slug, field="customAlias")
    assert (caught.value.code, caught.value.field) == ("validation_failed", "customAlias")


@pytest.mark.parametrize("slug", ["abc\n", "jane-recommends\n"])
def test_a_trailing_newline_is_not_a_valid_slug(slug: str) -> None:
    assert slug_problem(slug) == "invalid"


@pytest.mark.parametrize("slug", sorted(s for s in RESERVED_SLUGS if len(s) >= 3))
def test_reserved_slugs(slug: str) -> None:
    assert slug_problem(slug) == "reserved"
    with pytest.raises(SlugReserved) as caught:
        check_slug(slug, field="customAlias")
    assert (caught.value.code, caught.value.field) == ("slug_reserved", "customAlias")


def test_reserved_words_include_the_routes_an_alias_would_shadow() -> None:
    assert {"admin", "api", "dashboard", "login", "signup", "www", "affiliates",
            "webhooks", "embed"} <= RESERVED_SLUGS


@pytest.mark.parametrize(("name", "email", "base"), [
    ("Jane Doe", "x@y.com", "jane-doe"),
    (None, "Jane.Doe+promo@y.com", "jane-doe-promo"),
    ("", "bob@y.com", "bob"),
    ("Jo", "x@y.com", "aff-jo"),
    (None, "j@y.com", "aff-j"),
    ("!!!", "x@y.com", "aff"),
    ("李小龙", "x@y.com", "aff"),
    ("  Émilie  O'Brien ", "x@y.com", "milie-o-brien"),
    ("a" * 39 + " b" + "c" * 20, "x@y.com", "a" * 39),
])
def test_base_is_readable(name: str | None, email: str, base: str) -> None:
    assert base_from(name, email) == base


@pytest.mark.parametrize(("name", "email"), [
    ("Jane Doe", "jane@x.com"), (None, "a@x.com"), ("!!!", "b@x.com"), ("x" * 300, "c@x.com"),
    ("Admin", "d@x.com"), ("-- API --", "e@x.com"), ("李", "李@x.com"), ("a-" * 30, "f@x.com"),
])
def test_generated_slugs_are_valid_and_random(name: str | None, email: str) -> None:
    slugs = {generated_slug(name, email) for _ in range(50)}
    assert len(slugs) > 45  # 36^5 suffixes: repeats are (nearly) impossible
    base = base_from(name, email)
    for slug in slugs:
        assert slug_problem(slug) is None, slug
        assert re.fullmatch(re.escape(base) + r"-[a-z0-9]{5}", slug), slug


def test_patch_checks_the_merged_commission_pair() -> None:
    base = affiliate(S.Approved)
    patch_affiliate = domain.apply_patch
    with pytest.raises(ValidationFailed):
        patch_affiliate(base, {"custom_commission_type": "Percentage"}, now=base.created_at)
    fixed = patch_affiliate(base, {"custom_commission_type": "Fixed",
                                   "custom_commission_value": Decimal("500")},
                            now=base.created_at)
    with pytest.raises(ValidationFailed) as caught:
        patch_affiliate(fixed, {"custom_commission_type": "Percentage"}, now=base.created_at)
    assert caught.value.field == "customCommissionValue"
    assert patch_affiliate(fixed, {"custom_commission_type": None,
                                   "custom_commission_value": None},
                           now=base.created_at).custom_commission_type is None
