"""Tax forms as plain data: where a file is stored and what the brand is shown."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.ledger.affiliates.domain.links import iso

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


def form_response(form: TaxForm) -> dict[str, Any]:
    return {"id": str(form.id), "affiliateId": str(form.affiliate_id), "type": form.type,
            "submittedAt": iso(form.submitted_at)}


def link_response(form: TaxForm, url: str, expires_in: int) -> dict[str, Any]:
    return {**form_response(form), "signedUrl": url, "expiresInSeconds": expires_in}
