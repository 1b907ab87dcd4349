"""Bulk migration (roster import): owned by the ledger. The gateway adds what only it knows,
whether the org's plan allows notifying the imported affiliates."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from libs.contracts import imports as c
from services.gateway.domain import access
from services.gateway.domain.plans import Tier
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http.keys import BUS, PRINCIPAL
from services.gateway.entrypoints.http.route_table import Route


async def import_affiliates(request: web.Request, payload: dict[str, Any]) -> Any:
    payload["notifyAllowed"] = access.may_notify_imported(request[PRINCIPAL])
    return await c.IMPORT_AFFILIATES.call(request.app[BUS], payload)


IMPORT_ROUTES: list[Route] = [
    Route("POST", "/api/v1/affiliates/import", c.IMPORT_AFFILIATES,
          "Import an affiliate roster (bulk migration)", "Import", plan=Tier.Starter,
          role=Role.Manager,
          body=c.AffiliateImportBody, rate_policy="import",
          local=import_affiliates,
          description=(
              f"At most {c.MAX_IMPORT_ROWS} rows (400 `row_cap_exceeded`), ~4 MB (413), 6 "
              "calls per minute per key (429), one import per org at a time (409 "
              "`migration_already_in_progress`); a `programId` outside your org is 404 "
              "`program_not_found`; 409 `program_at_capacity` when the Approved and Paused rows "
              "would overfill the program's `maxAffiliates`. Dedupes by email within the program "
              "and the batch, so re-running a file imports nothing twice. `status` maps "
              "case-insensitively (omitted: approved; unrecognized: pending); `includeStatuses` "
              "skips the rest (`status_excluded`). A row's `slug` is kept when valid and free, "
              "else a fresh one is generated. `paypalEmail` is stored, never returned. Imported "
              "affiliates have source Direct, a default link, and fire `affiliate.created` (+ "
              "`affiliate.approved`). `notifyAffiliates` is recorded on the job; no emails are "
              "sent yet on any plan. `reasons` counts rows not imported: already_exists, "
              "duplicate_in_batch, status_excluded (skipped); missing_email, invalid_email, "
              "invalid_full_name, invalid_paypal_email (errored). Each call persists a "
              "MigrationJob (`jobId`), revertible with `rekomi admin revert-import`.")),
]
