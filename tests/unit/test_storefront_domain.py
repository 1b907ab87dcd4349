"""Pure rules of the storefront, sub-affiliates and tax forms, and the URL signers."""

from __future__ import annotations

import dataclasses
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from libs.contracts.affiliates import AffiliateStatus as S
from libs.contracts.storefront import ApplyBody
from libs.contracts.subaffiliates import SubAffiliateConfigBody, UnsupportedValue
from services.ledger.affiliates.domain.model import Affiliate
from services.ledger.domain.errors import SignedUrlExpired, SignedUrlInvalid, SignedUrlUsed
from services.ledger.programs.domain.model import Program
from services.ledger.storefront.domain import model as storefront
from services.ledger.tax_forms.adapters.local_storage import LocalFileStorage
from services.ledger.tax_forms.adapters.signed_links import LinkSigner
from services.ledger.tax_forms.adapters.sigv4 import Credentials, presign
from services.ledger.tax_forms.domain import model as tax_forms
from services.ledger.tax_forms.domain.model import TaxForm

NOW = datetime(2026, 5, 1, tzinfo=UTC)
ORG = uuid.uuid4()


def _program(**kw: object) -> Program:
    fields: dict[str, object] = dict(
        id=uuid.uuid4(), org_id=ORG, name="P", slug="p", description=None, terms_url=None,
        is_active=True, default_commission_type="Percentage",
        default_commission_value=Decimal(20), default_commission_model="Cps",
        cookie_window_days=30, recurring_months=None, recurring_delay_invoices=0,
        attribution_model="LastTouch", auto_approve=False, custom_domain=None,
        custom_domain_verified=False, network_visibility="Private",
        is_publicly_discoverable=True, created_at=NOW, updated_at=NOW, archived_at=None)
    fields.update(kw)
    return Program(**fields)  # type: ignore[arg-type]


def _affiliate(**kw: object) -> Affiliate:
    fields: dict[str, object] = dict(
        id=uuid.uuid4(), org_id=ORG, program_id=uuid.uuid4(), email="rec@example.com",
        full_name=None, status="Approved", custom_commission_type=None,
        custom_commission_value=None, tags=[], notes=None, source="Direct",
        application_data=None, rejection_reason=None, recruited_by_affiliate_id=None,
        applied_at=None, approved_at=None, created_at=NOW, updated_at=NOW)
    fields.update(kw)
    return Affiliate(**fields)  # type: ignore[arg-type]


def test_aws_sigv4_presign_matches_the_published_example() -> None:
    # The GET example of "Authenticating Requests: Using Query Parameters (AWS SigV4)".
    creds = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                        "us-east-1")
    url = presign("GET", scheme="https", host="examplebucket.s3.amazonaws.com",
                  path="/test.txt", creds=creds, expires=86400,
                  now=datetime(2013, 5, 24, tzinfo=UTC))
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Signature"] == [
        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"]
    assert query["X-Amz-Credential"] == ["AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                                         "aws4_request"]


def test_download_links_verify_and_refuse_tampering_and_expiry() -> None:
    signer, token = LinkSigner("http://gw", b"secret"), str(uuid.uuid4())
    exp = int(time.time()) + 300
    url = urlsplit(signer.url(token, exp))
    assert url.path == f"/api/p/files/{token}" and url.netloc == "gw"
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert int(q["exp"]) == exp
    signer.verify(token, exp, q["sig"])
    for bad in ((token, exp + 1, q["sig"]), (str(uuid.uuid4()), exp, q["sig"])):
        with pytest.raises(SignedUrlInvalid):
            signer.verify(*bad)
    with pytest.raises(SignedUrlInvalid):
        LinkSigner("http://gw", b"other").verify(token, exp, q["sig"])
    with pytest.raises(SignedUrlExpired):
        signer.verify(token, exp, q["sig"], now=time.time() + 301)


def test_a_download_link_serves_once() -> None:
    form = TaxForm(id=uuid.uuid4(), org_id=ORG, affiliate_id=uuid.uuid4(), type="W9",
                   storage_key="tax-forms/x.pdf", content_type="application/pdf",
                   size_bytes=3, submitted_at=NOW)
    link = tax_forms.download_link(form, link_id=uuid.uuid4(), now=NOW, expires_in=300)
    assert link.exp == int(NOW.timestamp()) + 300 and link.used_at is None
    tax_forms.check_unused(link)
    with pytest.raises(SignedUrlUsed):
        tax_forms.check_unused(dataclasses.replace(link, used_at=NOW))


async def test_local_storage_refuses_keys_outside_its_root(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path / "root")
    with pytest.raises(SignedUrlInvalid):
        await storage.put("../escape.pdf", b"x", "application/pdf")
    await storage.put("a/b.pdf", b"x", "application/pdf")
    assert await storage.read("a/b.pdf") == b"x"


def test_listing_and_host_normalisation() -> None:
    assert storefront.is_listed(_program())
    assert not storefront.is_listed(_program(is_active=False))
    assert not storefront.is_listed(_program(archived_at=NOW))
    assert not storefront.is_listed(None)
    assert storefront.normalize_host(" Aff.Brand.COM.:443 ") == "aff.brand.com"


def test_application_status_and_answers_follow_the_program() -> None:
    body = ApplyBody.model_validate({"email": "New@Example.com", "website": "https://x.y"})
    pending = storefront.new_application(_program(), body, affiliate_id=uuid.uuid4(),
                                         recruiter=None, now=NOW)
    assert (pending.status, pending.approved_at, pending.source) == ("Pending", None, "Public")
    assert pending.email == "new@example.com"
    assert pending.application_data == {"website": "https://x.y"}
    approved = storefront.new_application(_program(auto_approve=True), body,
                                          affiliate_id=uuid.uuid4(), recruiter=None, now=NOW)
    assert (approved.status, approved.approved_at) == ("Approved", NOW)
    assert ApplyBody.model_validate({"email": "a@b.co"}).application_data() is None


def test_recruiter_rules() -> None:
    ok = _affiliate()
    assert storefront.honoured_recruiter(ok, org_id=ORG, email="new@example.com") is ok
    for bad in (_affiliate(status="Pending"), _affiliate(org_id=uuid.uuid4()),
                _affiliate(deleted_at=NOW), None):
        assert storefront.honoured_recruiter(bad, org_id=ORG, email="new@example.com") is None
    assert storefront.honoured_recruiter(ok, org_id=ORG, email=" REC@example.com") is None


def test_apply_reply_hides_the_slug_until_approved() -> None:
    assert storefront.apply_reply(uuid.uuid4(), S.Pending, "x").affiliate_link_slug is None
    assert storefront.apply_reply(uuid.uuid4(), S.Approved, "x").affiliate_link_slug == "x"


@pytest.mark.parametrize("percent", [-0.01, 100.01, 1000])
def test_percent_outside_range_is_unsupported_value(percent: float) -> None:
    with pytest.raises(UnsupportedValue):
        SubAffiliateConfigBody.model_validate({"enabled": True, "percent": percent})
