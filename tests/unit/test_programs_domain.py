"""Program rules as plain functions: creation defaults, PATCH semantics, archiving, the shape."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from libs.contracts.common import as_json
from libs.contracts.programs import ProgramCreate, ProgramPatch
from libs.shared.errors import ValidationFailed
from services.ledger.domain.errors import ProgramArchived
from services.ledger.programs.domain.model import (
    Program,
    apply_patch,
    archive,
    new_program,
    slugify,
    to_response,
)

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
REFERENCE_KEYS = {
    "id", "name", "slug", "description", "termsUrl", "isActive", "defaultCommissionType",
    "defaultCommissionValue", "defaultCommissionModel", "cookieWindowDays", "recurringMonths",
    "recurringDelayInvoices", "attributionModel", "autoApprove", "customDomain",
    "customDomainVerified", "networkVisibility", "isPubliclyDiscoverable", "createdAt",
    "updatedAt", "archivedAt",
    "requiresTaxForm", "maxAffiliates",  # ours: payouts, and `program_at_capacity`'s capacity
    "commissionIncludesTax",  # ours: Stripe and Paddle sales' tax
}


def program(**overrides: object):  # type: ignore[no-untyped-def]
    body = {"name": "Default program", "defaultCommissionType": "Percentage",
            "defaultCommissionValue": 20, **overrides}
    return new_program(uuid.uuid4(), ProgramCreate.model_validate(body), program_id=uuid.uuid4(),
                       now=NOW)


def patch(current, **changes: object):  # type: ignore[no-untyped-def]
    return apply_patch(current, ProgramPatch.model_validate(changes).changes(), now=LATER)


def test_create_defaults_and_reference_shape() -> None:
    created = program()
    shape = as_json(to_response(created))
    assert set(shape) == REFERENCE_KEYS
    assert shape["slug"] == "default-program"
    assert shape["defaultCommissionValue"] == 20.0
    assert shape["recurringMonths"] is None
    assert shape["customDomainVerified"] is False
    assert shape["createdAt"] == "2026-05-01T12:00:00Z"


def test_the_reply_json_a_client_sees() -> None:
    """Pinned: the ProgramResponse JSON, key for key and in order, as the API answers it."""
    archived = Program(
        id=uuid.UUID("0789abcd-0000-4000-8000-000000000001"),
        org_id=uuid.UUID("0789abcd-0000-4000-8000-000000000002"), name="Default program",
        slug="default", description=None, terms_url="https://yourbrand.com/terms",
        is_active=True, default_commission_type="Percentage",
        default_commission_value=Decimal("20.00"), default_commission_model="Cpa",
        cookie_window_days=60, recurring_months=None, recurring_delay_invoices=0,
        attribution_model="LastTouch", auto_approve=False, custom_domain="go.brand.com",
        custom_domain_verified=True, network_visibility="InviteOnly",
        is_publicly_discoverable=True, created_at=NOW,
        updated_at=LATER.replace(microsecond=250), archived_at=LATER.replace(microsecond=250))
    body = as_json(to_response(archived))
    expected = {
        "id": "0789abcd-0000-4000-8000-000000000001", "name": "Default program",
        "slug": "default", "description": None, "termsUrl": "https://yourbrand.com/terms",
        "isActive": True, "defaultCommissionType": "Percentage", "defaultCommissionValue": 20.0,
        "defaultCommissionModel": "Cpa", "cookieWindowDays": 60, "recurringMonths": None,
        "recurringDelayInvoices": 0, "attributionModel": "LastTouch", "autoApprove": False,
        "customDomain": "go.brand.com", "customDomainVerified": True,
        "networkVisibility": "InviteOnly", "isPubliclyDiscoverable": True,
        "createdAt": "2026-05-01T12:00:00Z", "updatedAt": "2026-05-01T13:00:00Z",
        "archivedAt": "2026-05-01T13:00:00Z", "requiresTaxForm": False,
        "maxAffiliates": None, "commissionIncludesTax": False}
    assert body == expected
    assert list(body) == list(expected)
    assert isinstance(body["defaultCommissionValue"], float)


@pytest.mark.parametrize(("name", "slug"), [
    ("Holiday Promo 2026!", "holiday-promo-2026"), ("---", "program"), ("Ünïcode", "n-code"),
])
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_patch_changes_only_sent_keys() -> None:
    current = program(recurringMonths=12, description="keep me")
    updated = patch(current, name="Renamed")
    assert updated.name == "Renamed"
    assert updated.updated_at == LATER
    before, after = as_json(to_response(current)), as_json(to_response(updated))
    unchanged = {k: v for k, v in before.items() if k not in ("name", "updatedAt")}
    assert {k: after[k] for k in unchanged} == unchanged


def test_recurring_months_minus_one_clears_null_keeps() -> None:
    current = program(recurringMonths=12)
    assert patch(current, recurringMonths=-1).recurring_months is None
    assert patch(current, recurringMonths=None).recurring_months == 12
    assert patch(current, recurringMonths=0).recurring_months == 0


def test_custom_domain_change_resets_verification() -> None:
    import dataclasses
    verified = dataclasses.replace(program(customDomain="go.brand.com"),
                                   custom_domain_verified=True)
    assert patch(verified, customDomain="Go.Brand.com").custom_domain_verified is True
    assert patch(verified, customDomain="aff.brand.com").custom_domain_verified is False
    assert patch(verified, customDomain=None).custom_domain_verified is False


def test_no_op_patch_returns_the_same_program() -> None:
    current = program()
    assert patch(current, name=current.name) is current
    assert patch(current) is current


def test_switching_to_percentage_checks_the_merged_value() -> None:
    fixed = program(defaultCommissionType="Fixed", defaultCommissionValue=500)
    with pytest.raises(ValidationFailed) as caught:
        patch(fixed, defaultCommissionType="Percentage")
    assert caught.value.field == "defaultCommissionValue"
    assert patch(fixed, defaultCommissionValue=Decimal("12.5")).default_commission_value == \
        Decimal("12.5")


def test_archived_program_refuses_changes_and_archiving_is_idempotent() -> None:
    archived = archive(program(), now=LATER)
    assert archived.archived_at == LATER
    assert archive(archived, now=LATER + timedelta(days=1)) is archived
    with pytest.raises(ProgramArchived):
        patch(archived, name="x")


@pytest.mark.parametrize("body", [
    {"defaultCommissionType": "Percentage", "defaultCommissionValue": 10},  # no name
    {"name": "x", "defaultCommissionType": "Flat", "defaultCommissionValue": 10},
    {"name": "x", "defaultCommissionType": "Fixed", "defaultCommissionValue": "10"},
    {"name": "x", "defaultCommissionType": "Fixed", "defaultCommissionValue": -1},
    {"name": "x", "defaultCommissionType": "Fixed", "defaultCommissionValue": 1.001},
    {"name": "x", "defaultCommissionType": "Fixed", "defaultCommissionValue": 1, "slug": "-a"},
    {"name": "x", "defaultCommissionType": "Fixed", "defaultCommissionValue": 1,
     "networkVisibility": "Public"},
    {"name": "x", "defaultCommissionType": "Fixed", "defaultCommissionValue": 1,
     "cookieWindowDays": 0},
    {"name": "x", "defaultCommissionType": "Fixed", "defaultCommissionValue": 1,
     "customDomain": "not a host"},
    {"name": "x", "defaultCommissionType": "Fixed", "defaultCommissionValue": 1, "extra": 1},
    {"name": "x", "defaultCommissionType": "Fixed", "defaultCommissionValue": 1,
     "autoApprove": "yes"},
])
def test_invalid_create_bodies(body: dict[str, object]) -> None:
    with pytest.raises((ValidationError, ValidationFailed)):
        ProgramCreate.model_validate(body)


@pytest.mark.parametrize("model", ["Cps", "Cpc", "Cpl", "Cpa", "RevShare", "Hybrid"])
def test_every_commission_model_accepted(model: str) -> None:
    assert program(defaultCommissionModel=model).default_commission_model == model
