"""Affiliate tax forms (W-9 / W-8BEN): the signed download link, and the ledger's methods."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from libs.contracts.common import Actor, Resource, Timestamp
from libs.contracts.programs import OrgScoped
from libs.shared.rpc import Rpc

# A tax form PDF is small; the bus carries it base64-encoded.
MAX_TAX_FORM_BYTES = 2 * 1024 * 1024


class TaxFormType(StrEnum):
    W9 = "W9"
    W8BEN = "W8BEN"
    W8BENE = "W8BENE"


class TaxFormLink(Resource):
    id: uuid.UUID
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    type: TaxFormType
    submitted_at: Timestamp = Field(alias="submittedAt")
    signed_url: str = Field(alias="signedUrl")
    expires_in_seconds: int = Field(alias="expiresInSeconds")


class FileQuery(BaseModel):
    """The signature of a download link (``signedUrl``)."""

    exp: Annotated[int, Field(ge=0, le=2**63 - 1)]
    sig: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]  # HMAC-SHA256, hex


# ---- the ledger's request/reply methods ------------------------------------------------------
class GetTaxForm(OrgScoped):
    actor: Actor
    affiliate_id: uuid.UUID = Field(alias="affiliateId")


class TaxFormUpload(BaseModel):
    type: TaxFormType
    content_type: str = Field(default="application/pdf", alias="contentType", max_length=100)
    content_base64: str = Field(alias="contentBase64",
                                max_length=(MAX_TAX_FORM_BYTES * 4) // 3 + 4)

    model_config = ConfigDict(populate_by_name=True)


class AttachTaxForm(OrgScoped):
    """``tax_forms.attach``: no public route (the reference has no upload endpoint); the
    affiliate portal, operators and tests call it over the bus."""

    actor: Actor | None = None
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    data: TaxFormUpload


class FetchFile(BaseModel):
    """``storage.fetch``: the gateway passes a download link's parts for the ledger to check
    and use up."""

    token: str
    exp: int
    sig: str


class TaxFormRecord(Resource):
    id: uuid.UUID
    affiliate_id: uuid.UUID = Field(alias="affiliateId")
    type: TaxFormType
    submitted_at: Timestamp = Field(alias="submittedAt")


class FileContent(Resource):
    content_type: str = Field(alias="contentType")
    content_base64: str = Field(alias="contentBase64")


# ---- declared methods ------------------------------------------------------------------------
GET_TAX_FORM = Rpc("ledger", "tax_forms.get", GetTaxForm, TaxFormLink)
ATTACH_TAX_FORM = Rpc("ledger", "tax_forms.attach", AttachTaxForm, TaxFormRecord)
FETCH_FILE = Rpc("ledger", "storage.fetch", FetchFile, FileContent)
