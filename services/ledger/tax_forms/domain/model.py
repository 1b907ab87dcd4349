"""Tax forms as plain data: where a file is stored, what the brand is shown, and the
single-use download links handed out for it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from libs.contracts.tax_forms import TaxFormLink, TaxFormRecord
from services.ledger.domain.errors import SignedUrlUsed

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


@dataclass(frozen=True, slots=True)
class DownloadLink:
    """One handed-out link to one stored file; it serves the file once (``used_at``)."""

    id: uuid.UUID
    org_id: uuid.UUID
    storage_key: str
    content_type: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    @property
    def exp(self) -> int:
        """The expiry as the signed URL carries it (whole unix seconds)."""
        return int(self.expires_at.timestamp())


def download_link(form: TaxForm, *, link_id: uuid.UUID, now: datetime, expires_in: int
                  ) -> DownloadLink:
    return DownloadLink(id=link_id, org_id=form.org_id, storage_key=form.storage_key,
                        content_type=form.content_type, created_at=now,
                        expires_at=now + timedelta(seconds=expires_in))


def check_unused(link: DownloadLink) -> None:
    """The reference calls the link single-use: once it served its file it is gone (410)."""
    if link.used_at is not None:
        raise SignedUrlUsed("this link was already used; ask for a new one")


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
