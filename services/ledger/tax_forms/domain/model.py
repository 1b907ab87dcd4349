"""Tax forms as plain data: where a file is stored and what the brand is shown."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from libs.contracts.tax_forms import TaxFormLink, TaxFormRecord

EXTENSIONS = {"application/pdf": "pdf"}


@dataclass(frozen=True, slots=True)
class TaxForm:
    id: uuid.UUID
    org_id: uuid.UUID
    affiliate_id: uuid.UUID
    type: str
    storage_key: str
    content_type: str
    size_bytes: int
    submitted_at: datetime


def storage_key(org_id: uuid.UUID, affiliate_id: uuid.UUID, form_id: uuid.UUID,
                content_type: str) -> str:
    """Unguessable (it holds the random form id) and grouped by org for bucket policies."""
    return (f"tax-forms/{org_id}/{affiliate_id}/{form_id}."
            f"{EXTENSIONS.get(content_type, 'bin')}")


def form_response(form: TaxForm) -> TaxFormRecord:
    return TaxFormRecord(id=form.id, affiliate_id=form.affiliate_id, type=form.type,
                         submitted_at=form.submitted_at)


def link_response(form: TaxForm, url: str, expires_in: int) -> TaxFormLink:
    return TaxFormLink(id=form.id, affiliate_id=form.affiliate_id, type=form.type,
                       submitted_at=form.submitted_at, signed_url=url,
                       expires_in_seconds=expires_in)
