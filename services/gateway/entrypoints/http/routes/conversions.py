"""Conversions: booked sales, leads and overrides, owned by the ledger (read side)."""

from __future__ import annotations

from libs.contracts import conversion_imports as bulk
from libs.contracts import conversions as c
from libs.contracts.common import EXPORT_TRUNCATED_HEADER
from libs.contracts.imports import MAX_IMPORT_ROWS
from services.gateway.domain.plans import Tier
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http.conversion_export_view import export_conversions
from services.gateway.entrypoints.http.route_table import Route

CONVERSION_ID = {"id": "conversionId"}

CONVERSION_ROUTES: list[Route] = [
    Route("GET", "/api/v1/conversions", c.LIST_CONVERSIONS, "List conversions",
          "Conversions", plan=Tier.Starter, query=c.ConversionListQuery,
          role=Role.Viewer,
          description="Cursor-paginated, oldest first. Filters: affiliateId, programId, status, "
                      "since (createdAt >= since), until (createdAt < until, as the export). "
                      "Amounts are integer cents of `currency`."),
    # Before /{id}, so "export.csv" and "import" are never read as an id.
    Route("GET", "/api/v1/conversions/export.csv", bulk.EXPORT_CONVERSIONS_PAGE,
          "Export conversions as CSV", "Conversions", plan=Tier.Starter,
          role=Role.Viewer,
          query=bulk.ConversionExportQuery, local=export_conversions, media_type="text/csv",
          operation="conversions.export",
          description=(
              "`text/csv; charset=utf-8`, as an attachment, streamed. Same filters as the list "
              "plus `until` (createdAt < until); oldest first. Header row: `"
              + ",".join(bulk.EXPORT_COLUMNS) + "`. Stripe ids are left out (use the JSON "
              "endpoint). Text cells starting with `=`, `+`, `-`, `@`, TAB or CR are prefixed "
              "with `'` (formula injection); numbers stay numbers. At most 50,000 rows per "
              f"call: the response header `{EXPORT_TRUNCATED_HEADER}` is `true` when more "
              "rows matched than were sent (narrow `since`/`until` and call again), else "
              "`false`. Each call writes one audit row `conversions.exported` (filters, row "
              "count). Rows booked while an export runs may or may not appear.")),
    Route("POST", "/api/v1/conversions/import/preview", bulk.PREVIEW_CONVERSION_IMPORT,
          "Preview a conversion import (dry run)", "Import", plan=Tier.Starter,
          role=Role.Manager,
          body=bulk.ConversionImportPreviewBody,
          rate_policy="import",
          description=(
              "Checks, resolves and tallies exactly as the import would with the same "
              "`excludePaid`, and writes nothing. Same safeguards and 400 `invalid_rows` as the "
              "import. `wouldError` is always 0 (invalid rows refuse the request). "
              "`unpaidBalance` is what would become payable with `confirmUnpaidPayout: true`.")),
    Route("POST", "/api/v1/conversions/import", bulk.IMPORT_CONVERSIONS,
          "Import historical conversions (bulk migration)", "Import", plan=Tier.Starter,
          role=Role.Manager,
          body=bulk.ConversionImportBody,
          rate_policy="import",
          description=(
              f"At most {MAX_IMPORT_ROWS} rows (400 `row_cap_exceeded`), ~4 MB (413), 6 "
              "calls per minute per key with the preview (429), one import per org at a time "
              "(409 `migration_already_in_progress`); a `programId` outside your org is 404 "
              "`program_not_found`. Every row is checked first: any offending row is 400 "
              "`invalid_rows` with `errors: [{index, error}]` (affiliate_email_or_slug_required, "
              "amount_out_of_range, commission_out_of_range, unsupported_currency, "
              "occurred_at_required, invalid_occurred_at, invalid_type, invalid_customer_email) "
              "and nothing is written. The affiliate is found by `affiliateEmail` within the "
              "program, else by `affiliateSlug` (a link of an affiliate of this program). "
              "`paid: true` rows are recorded Paid and locked; `paid: false` rows are Pending "
              "and locked (never payable) unless `confirmUnpaidPayout: true` makes them "
              "Approved (payable). Re-running skips rows already imported (by `externalId` in "
              "the program, else by the row's content), so nothing is booked or paid twice. "
              "`reasons` counts skipped rows: excluded_paid, duplicate_in_batch, "
              "already_imported, already_recorded (the externalId is booked by another sale "
              "of the org), affiliate_not_found. Imported rows keep `occurredAt` as createdAt, "
              "attributionMethod `import`, and fire no `conversion.created` webhook. Each call "
              "persists a MigrationJob (`jobId`), revertible with `rekomi admin "
              "revert-import`.")),
    Route("GET", "/api/v1/conversions/{id}", c.GET_CONVERSION, "Get a conversion",
          "Conversions", plan=Tier.Starter,
          role=Role.Viewer,
          path_params=CONVERSION_ID,
          description="With the events timeline: a subscription's initial sale holds the "
                      "subscription's (`initial`, each `renewal`, refunds); any other "
                      "conversion, a renewal included, its own events only. Another org's id "
                      "is 404."),
]
