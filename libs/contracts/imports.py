"""Bulk migration: the roster import body, the MigrationJob answer, and the ledger's methods.

Row fields are deliberately loose (text or null): a row whose email is missing or invalid is
counted in ``reasons`` instead of failing the whole request; only a malformed request (wrong
JSON types, unknown keys, more than ``MAX_IMPORT_ROWS`` rows) is a 400."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator

from libs.contracts.common import Actor, ApiModel, Resource
from libs.contracts.programs import OrgScoped
from libs.shared.errors import ValidationFailed
from libs.shared.rpc import Rpc

MAX_IMPORT_ROWS = 1000
IMPORT_STATUSES = ("approved", "pending", "rejected", "paused", "banned")


class JobStatus(StrEnum):
    Completed = "Completed"
    Reverted = "Reverted"


class JobKind(StrEnum):
    Affiliates = "Affiliates"
    Conversions = "Conversions"


class AffiliateImportRow(ApiModel):
    email: StrictStr | None = None
    full_name: StrictStr | None = Field(default=None, alias="fullName")
    status: StrictStr | None = Field(
        default=None, description="approved|pending|rejected|paused|banned, any case; "
                                  "omitted: approved; unrecognized: pending")
    paypal_email: StrictStr | None = Field(default=None, alias="paypalEmail",
                                           description="Stored; never returned.")
    slug: StrictStr | None = Field(default=None, description="Kept when valid and free.")


class AffiliateImportBody(ApiModel):
    program_id: uuid.UUID = Field(alias="programId")
    affiliates: list[AffiliateImportRow]
    include_statuses: Annotated[list[StrictStr], Field(min_length=1)] | None = Field(
        default=None, alias="includeStatuses")
    notify_affiliates: StrictBool = Field(default=False, alias="notifyAffiliates")
    notification_message_html: Annotated[StrictStr, Field(max_length=20_000)] | None = Field(
        default=None, alias="notificationMessageHtml")

    @field_validator("affiliates", mode="before")
    @classmethod
    def _row_cap(cls, value: Any) -> Any:
        if isinstance(value, list) and len(value) > MAX_IMPORT_ROWS:
            raise ValidationFailed(f"at most {MAX_IMPORT_ROWS} rows per request ({len(value)} "
                                   "sent); page larger imports", field="affiliates",
                                   code="row_cap_exceeded")
        return value

    @field_validator("include_statuses")
    @classmethod
    def _known_statuses(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = [s for s in value if s.strip().lower() not in IMPORT_STATUSES]
        if unknown:
            raise ValidationFailed(f"unknown status {unknown[0]!r}; accepted: "
                                   + "|".join(IMPORT_STATUSES), field="includeStatuses")
        return value


class ImportJobCounts(Resource):
    """What every import's answer starts with (the MigrationJob's tallies)."""

    job_id: uuid.UUID = Field(alias="jobId")
    status: JobStatus
    kind: JobKind
    total: int
    imported: int
    skipped: int
    errored: int


class ImportJobResponse(ImportJobCounts):
    reasons: dict[str, int]


class RevertResult(Resource):
    job_id: uuid.UUID = Field(alias="jobId")
    org_id: uuid.UUID = Field(alias="orgId")
    status: JobStatus
    already_reverted: bool = Field(alias="alreadyReverted")
    removed_affiliates: int = Field(alias="removedAffiliates")
    removed_links: int = Field(alias="removedLinks")
    removed_conversions: int | None = Field(
        default=None, alias="removedConversions", exclude_if=lambda value: value is None,
        description="Only for a Conversions job (left out otherwise): the conversions removed")


# ---- the ledger's request/reply methods ------------------------------------------------------
class ImportAffiliates(OrgScoped):
    actor: Actor
    data: AffiliateImportBody
    # Resolved by the gateway from the org's plan: Growth+ with a live subscription.
    notify_allowed: bool = Field(default=False, alias="notifyAllowed")


class RevertImport(BaseModel):
    """Operator command (``rekomi admin revert-import``): the job id names its org."""

    job_id: uuid.UUID = Field(alias="jobId")
    actor: Actor

    model_config = ConfigDict(populate_by_name=True)


# ---- declared methods ------------------------------------------------------------------------
IMPORT_AFFILIATES = Rpc("ledger", "affiliates.import", ImportAffiliates, ImportJobResponse)
REVERT_IMPORT = Rpc("ledger", "imports.revert", RevertImport, RevertResult)
