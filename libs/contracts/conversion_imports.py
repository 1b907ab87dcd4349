"""Conversions in bulk: the CSV export's query and pages, and the historical import (preview and
import) with its answers and the ledger's methods.

Import rows are deliberately loose where the reference names a per-row error (money, currency,
occurredAt, type): a bad value there is reported as ``{index, error}`` in a 400 ``invalid_rows``
by the ledger, not as a generic ``validation_failed``. Wrong JSON types elsewhere, unknown keys
and more than ``MAX_IMPORT_ROWS`` rows are a malformed request (400 ``validation_failed`` /
``row_cap_exceeded``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import Field, StrictBool, StrictStr, field_validator

from libs.contracts.common import Actor, ApiModel, CursorText, Resource
from libs.contracts.conversions import ConversionFilters
from libs.contracts.imports import MAX_IMPORT_ROWS, ImportJobCounts
from libs.contracts.programs import OrgScoped
from libs.shared.errors import ValidationFailed
from libs.shared.rpc import Rpc

# The reference's header, verified against its code: column positions never change.
EXPORT_COLUMNS = ("id", "affiliate_id", "program_id", "amount_cents", "currency",
                  "commission_cents", "status", "type", "external_event_id", "created_at",
                  "refunded_at", "attribution_method", "coupon_code")
MAX_EXPORT_PAGE = 5000

Text = Annotated[StrictStr, Field(max_length=255)]


class ConversionExportQuery(ConversionFilters):
    """The list's filters (``until`` included), without its cursor and page size."""


class ConversionImportRow(ApiModel):
    affiliate_email: StrictStr | None = Field(default=None, alias="affiliateEmail")
    affiliate_slug: StrictStr | None = Field(default=None, alias="affiliateSlug")
    customer_email: Text | None = Field(default=None, alias="customerEmail")
    customer_name: Annotated[StrictStr, Field(max_length=200)] | None = Field(
        default=None, alias="customerName")
    amount_cents: Any = Field(default=None, alias="amountCents",
                              description="Integer cents in [0, 100000000].")
    commission_cents: Any = Field(default=None, alias="commissionCents",
                                  description="Integer cents in [0, 100000000].")
    currency: Any = Field(default=None, description="A supported ISO 4217 code (e.g. USD).")
    occurred_at: Any = Field(default=None, alias="occurredAt",
                             description="ISO 8601; becomes the conversion's createdAt.")
    paid: StrictBool = Field(default=False, description="Already paid on the prior platform.")
    type: Any = Field(default=None, description="OneTime (default) | Recurring")
    stripe_customer_id: Text | None = Field(default=None, alias="stripeCustomerId")
    stripe_subscription_id: Text | None = Field(default=None, alias="stripeSubscriptionId")
    external_id: Annotated[StrictStr, Field(min_length=1, max_length=255)] | None = Field(
        default=None, alias="externalId",
        description="The row's id on the prior platform: re-importing it is skipped.")


def _row_cap(value: Any) -> Any:
    if isinstance(value, list) and len(value) > MAX_IMPORT_ROWS:
        raise ValidationFailed(f"at most {MAX_IMPORT_ROWS} rows per request ({len(value)} "
                               "sent); page larger imports", field="conversions",
                               code="row_cap_exceeded")
    return value


class ConversionImportPreviewBody(ApiModel):
    program_id: uuid.UUID = Field(alias="programId")
    conversions: list[ConversionImportRow]
    exclude_paid: StrictBool = Field(default=False, alias="excludePaid")

    _cap = field_validator("conversions", mode="before")(_row_cap)


class ConversionImportBody(ConversionImportPreviewBody):
    confirm_unpaid_payout: StrictBool = Field(default=False, alias="confirmUnpaidPayout")


class Balance(Resource):
    currency: str
    commission_cents: int = Field(alias="commissionCents")
    count: int


class ConversionImportPreview(Resource):
    rows_total: int = Field(alias="rowsTotal")
    would_import: int = Field(alias="wouldImport")
    would_skip: int = Field(alias="wouldSkip")
    would_error: int = Field(alias="wouldError")
    skip_reasons: dict[str, int] = Field(alias="skipReasons")
    paid_balance: list[Balance] = Field(alias="paidBalance")
    unpaid_balance: list[Balance] = Field(alias="unpaidBalance")


class ConversionImportJob(ImportJobCounts):
    unpaid_confirmed_cents: int = Field(alias="unpaidConfirmedCents")
    confirm_unpaid_payout: bool = Field(alias="confirmUnpaidPayout")
    exclude_paid: bool = Field(alias="excludePaid")
    reasons: dict[str, int]


# ---- the ledger's request/reply methods ------------------------------------------------------
class PreviewConversionImport(OrgScoped):
    data: ConversionImportPreviewBody


class ImportConversions(OrgScoped):
    actor: Actor
    data: ConversionImportBody


class ExportConversionsPage(OrgScoped, ConversionFilters):
    """One page of CSV lines (no header), oldest first. ``countUpTo`` (first page) also answers
    how many rows match, counted no further than that."""

    cursor: CursorText | None = None
    take: int = Field(default=1000, ge=1, le=MAX_EXPORT_PAGE)
    count_up_to: int | None = Field(default=None, alias="countUpTo", ge=1)


class ExportPage(Resource):
    csv: str
    rows: int
    next_cursor: str | None = Field(alias="nextCursor")
    matching: int | None = None


# ---- declared methods ------------------------------------------------------------------------
EXPORT_CONVERSIONS_PAGE = Rpc("ledger", "conversions.export_page", ExportConversionsPage,
                              ExportPage)
PREVIEW_CONVERSION_IMPORT = Rpc("ledger", "conversions.import_preview",
                                PreviewConversionImport, ConversionImportPreview)
IMPORT_CONVERSIONS = Rpc("ledger", "conversions.import", ImportConversions,
                         ConversionImportJob)
