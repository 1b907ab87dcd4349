"""Pinned reply JSON of the storefront, sub-affiliate and tax-form methods: domain object ->
reply model -> the literal JSON a client sees (programs and affiliates pin theirs in their own
domain tests). A model change that would change what clients get fails here."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from libs.contracts.affiliates import AffiliateStatus as S
from libs.contracts.common import as_json
from services.ledger.affiliates.domain.model import Affiliate
from services.ledger.programs.domain.model import Program
from services.ledger.storefront.domain import model as storefront
from services.ledger.sub_affiliates.domain import model as sub_affiliates
from services.ledger.tax_forms.domain import model as tax_forms

AT = datetime(2026, 4, 20, 14, 0, tzinfo=UTC)
ID = uuid.UUID("fed00b00-0000-4000-8000-000000000001")
AFFILIATE_ID = uuid.UUID("01234567-0000-4000-8000-000000000002")


def pinned(body: dict[str, Any], expected: dict[str, Any]) -> None:
    assert body == expected
    assert list(body) == list(expected)


def test_storefront_listing_and_application_replies() -> None:
    program = Program(
        id=ID, org_id=uuid.uuid4(), name="Creators", slug="creators", description=None,
        terms_url="https://brand.com/terms", is_active=True, default_commission_type="Fixed",
        default_commission_value=Decimal(5), default_commission_model="Cps",
        cookie_window_days=30, recurring_months=None, recurring_delay_invoices=0,
        attribution_model="LastTouch", auto_approve=True, custom_domain=None,
        custom_domain_verified=False, network_visibility="Private",
        is_publicly_discoverable=True, created_at=AT, updated_at=AT, archived_at=None)
    pinned(as_json(storefront.public_view(program)), {
        "id": "fed00b00-0000-4000-8000-000000000001", "name": "Creators", "slug": "creators",
        "description": None, "termsUrl": "https://brand.com/terms",
        "customAliasSupported": True})
    pinned(as_json(storefront.apply_reply(AFFILIATE_ID, S.Pending, "jane")), {
        "affiliateId": "01234567-0000-4000-8000-000000000002", "status": "Pending",
        "affiliateLinkSlug": None, "message": "Application received."})


def test_sub_affiliate_config_and_downline_replies() -> None:
    config = sub_affiliates.SubAffiliateConfig(enabled=True, percent=Decimal("12.50"))
    pinned(as_json(sub_affiliates.config_response(config)), {"enabled": True, "percent": 12.5})
    recruit = Affiliate(
        id=ID, org_id=uuid.uuid4(), program_id=uuid.uuid4(), email="recruit@example.com",
        full_name="Recruited Person", status="Approved", custom_commission_type=None,
        custom_commission_value=None, tags=[], notes=None, source="Public",
        application_data=None, rejection_reason=None, recruited_by_affiliate_id=AFFILIATE_ID,
        applied_at=AT, approved_at=AT, created_at=AT, updated_at=AT)
    pinned(as_json(sub_affiliates.downline_item(recruit, currency="EUR",
                                                totals=sub_affiliates.Totals(12400, 1240))), {
        "id": "fed00b00-0000-4000-8000-000000000001", "email": "recruit@example.com",
        "fullName": "Recruited Person", "status": "Approved", "totalCommissionCents": 12400,
        "overrideEarnedCents": 1240, "currency": "EUR"})


def test_tax_form_replies() -> None:
    form = tax_forms.TaxForm(id=ID, org_id=uuid.uuid4(), affiliate_id=AFFILIATE_ID,
                             type="W8BEN", storage_key="tax-forms/x.pdf",
                             content_type="application/pdf", size_bytes=3,
                             submitted_at=AT.replace(microsecond=42))
    record = {"id": "fed00b00-0000-4000-8000-000000000001",
              "affiliateId": "01234567-0000-4000-8000-000000000002", "type": "W8BEN",
              "submittedAt": "2026-04-20T14:00:00Z"}
    pinned(as_json(tax_forms.form_response(form)), record)
    pinned(as_json(tax_forms.link_response(form, "https://files.example/x?sig=1", 300)),
           {**record, "signedUrl": "https://files.example/x?sig=1", "expiresInSeconds": 300})
