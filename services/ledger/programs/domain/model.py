"""Programs as plain data, and the rules for creating and changing them."""

from __future__ import annotations

import dataclasses
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from libs.contracts.programs import MAX_PERCENT, CommissionType, ProgramCreate, ProgramResponse
from libs.shared.errors import ValidationFailed
from services.ledger.domain.errors import ProgramArchived

CLEAR_RECURRING_CAP = -1


@dataclass(frozen=True, slots=True)
class Program:
    id: uuid.UUID
    org_id: uuid.UUID
    name: str
    slug: str
    description: str | None
    terms_url: str | None
    is_active: bool
    default_commission_type: str
    default_commission_value: Decimal
    default_commission_model: str
    cookie_window_days: int
    recurring_months: int | None
    recurring_delay_invoices: int
    attribution_model: str
    auto_approve: bool
    custom_domain: str | None
    custom_domain_verified: bool
    network_visibility: str
    is_publicly_discoverable: bool
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    requires_tax_form: bool = False
    max_affiliates: int | None = None  # seats (Approved or Paused affiliates); None: unlimited
    commission_includes_tax: bool = False  # a provider sale's tax is in the commissionable amount


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-")
    return slug or "program"


def new_program(org_id: uuid.UUID, data: ProgramCreate, *, program_id: uuid.UUID,
                now: datetime) -> Program:
    fields = data.model_dump(exclude={"slug"})
    return Program(id=program_id, org_id=org_id, slug=data.slug or slugify(data.name),
                   custom_domain_verified=False, created_at=now, updated_at=now,
                   archived_at=None, **fields)


def apply_patch(program: Program, changes: dict[str, Any], *, now: datetime) -> Program:
    """The program after a PATCH of ``changes`` (field name -> value, only the keys sent)."""
    if program.archived_at is not None:
        raise ProgramArchived("an archived program cannot be changed")
    changes = dict(changes)
    if changes.get("recurring_months") == CLEAR_RECURRING_CAP:
        changes["recurring_months"] = None
    if "custom_domain" in changes and changes["custom_domain"] != program.custom_domain:
        changes["custom_domain_verified"] = False
    updated = dataclasses.replace(program, **changes)
    if (updated.default_commission_type == CommissionType.Percentage
            and updated.default_commission_value > MAX_PERCENT):
        raise ValidationFailed("a Percentage commission must be between 0 and 100",
                               field="defaultCommissionValue")
    if updated == program:
        return program
    return dataclasses.replace(updated, updated_at=now)


def archive(program: Program, *, now: datetime) -> Program:
    if program.archived_at is not None:
        return program
    return dataclasses.replace(program, archived_at=now, updated_at=now)


def to_response(program: Program) -> ProgramResponse:
    return ProgramResponse(
        id=program.id, name=program.name, slug=program.slug, description=program.description,
        terms_url=program.terms_url, is_active=program.is_active,
        default_commission_type=program.default_commission_type,
        default_commission_value=program.default_commission_value,
        default_commission_model=program.default_commission_model,
        cookie_window_days=program.cookie_window_days,
        recurring_months=program.recurring_months,
        recurring_delay_invoices=program.recurring_delay_invoices,
        attribution_model=program.attribution_model, auto_approve=program.auto_approve,
        custom_domain=program.custom_domain,
        custom_domain_verified=program.custom_domain_verified,
        network_visibility=program.network_visibility,
        is_publicly_discoverable=program.is_publicly_discoverable,
        created_at=program.created_at, updated_at=program.updated_at,
        archived_at=program.archived_at, requires_tax_form=program.requires_tax_form,
        max_affiliates=program.max_affiliates,
        commission_includes_tax=program.commission_includes_tax)
