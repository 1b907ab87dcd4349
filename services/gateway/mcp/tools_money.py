"""Tools for conversions, payouts, the dashboard, insights and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from libs.shared import jsonutil
from libs.shared.errors import RekomiError, ValidationFailed
from services.gateway.domain.idempotency import MAX_KEY_LENGTH, fingerprint, valid_key
from services.gateway.entrypoints.http.errors import json_response
from services.gateway.entrypoints.http.idempotency import run_fingerprinted
from services.gateway.mcp.calls import McpCall
from services.gateway.mcp.route_lookup import route
from services.gateway.mcp.route_tools import RouteTool, pass_gates, route_payload, run_payload
from services.gateway.mcp.server import Tool

IDEMPOTENCY_KEY = "idempotencyKey"
FORMAT = "format"


@dataclass(frozen=True)
class KeyedRouteTool(RouteTool):
    """An idempotent route whose key the tool requires (REST's ``Idempotency-Key``, kept in the
    same store): the same key with the same arguments replays the first answer (a refusal
    too) and never runs twice; the key with other arguments is refused (409)."""

    def input_schema(self) -> dict[str, Any]:
        schema = super().input_schema()
        key = {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "description": (
            "Makes the call safe to retry: a new uuid per intended run, the same one when "
            "retrying it (kept 60 minutes per organization).")}
        schema["properties"] = {IDEMPOTENCY_KEY: key, **schema["properties"]}
        schema["required"] = [IDEMPOTENCY_KEY, *schema["required"]]
        return schema

    async def run(self, call: McpCall, arguments: dict[str, Any]) -> Any:
        await pass_gates(self.route, call)  # in REST's order: gates, key, body
        key = _valid_key(arguments.get(IDEMPOTENCY_KEY))
        rest = {k: v for k, v in arguments.items() if k != IDEMPOTENCY_KEY}
        payload = route_payload(self.route, call, rest)
        # The JSON-RPC envelope around the call has an id of its own: the same request is
        # the same route with the same arguments.
        same = fingerprint(self.route.method, self.route.path,
                           orjson.dumps(rest, option=orjson.OPT_SORT_KEYS))

        async def answer() -> web.StreamResponse:
            return json_response(await run_payload(self.route, call, payload), self.route.status)

        response = await run_fingerprinted(call.request.app, self.route, call.principal.org_id,
                                           key, same, answer)
        return _json_of(response)


def _valid_key(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationFailed(f"{IDEMPOTENCY_KEY} is required (a uuid is recommended)",
                               field=IDEMPOTENCY_KEY)
    try:
        return valid_key(value)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field=IDEMPOTENCY_KEY) from None


def _json_of(response: web.StreamResponse) -> Any:
    """The answer's JSON; a refusal kept under the key is raised again as it was answered."""
    assert isinstance(response, web.Response) and isinstance(response.body, bytes)
    body = jsonutil.loads(response.body) if response.body else {}
    if response.status < 400:
        return body
    extra = {k: v for k, v in body.items() if k not in ("error", "message", "field")}
    raise RekomiError(body.get("message", ""), code=body.get("error", "forbidden"),
                      field=body.get("field"), extra=extra)


@dataclass(frozen=True)
class JsonOnlyTool(RouteTool):
    """A route that also answers CSV (``format=csv``), as a tool that answers JSON only."""

    def input_schema(self) -> dict[str, Any]:
        schema = super().input_schema()
        schema["properties"].pop(FORMAT)
        return schema

    async def run(self, call: McpCall, arguments: dict[str, Any]) -> Any:
        if FORMAT in arguments:
            raise ValidationFailed(f"unknown argument {FORMAT!r}", field=FORMAT)
        return await super().run(call, arguments)


CONVERSION_ID = {"id": "The conversion's id (from list_conversions)."}
PAYOUT_ID = {"id": "The payout's id (from list_payouts or run_payouts)."}
WINDOW = ("Windows are whole UTC days from `since` (default 30 days ago); money is in the "
          "org's home currency, integer cents.")

MONEY_TOOLS: list[Tool] = [
    RouteTool("list_conversions", route("GET", "/api/v1/conversions"), (
        "Use it to find sales, leads and override commissions, e.g. an affiliate's or a "
        "program's, or those of a status (Pending, Approved, Paid, Refunded, Denied) or "
        "created in [since, until). Returns `{items, nextCursor}`, oldest first; pass "
        "`nextCursor` as `cursor` for the next page (`take` up to 200). Each item has "
        "amountCents, commissionCents and currency.")),
    RouteTool("get_conversion", route("GET", "/api/v1/conversions/{id}"), (
        "One conversion with its events timeline (initial sale, renewals, refunds). 404 "
        "conversion_not_found for an id of another organization."), CONVERSION_ID),
    RouteTool("preview_conversion_import", route("POST", "/api/v1/conversions/import/preview"), (
        "Dry run of import_conversions with the same arguments: use it first to show the user "
        "what would be imported, skipped (`skipReasons`) and the paid/unpaid commission "
        "balances per currency. Writes nothing. Rows that fail validation refuse the call "
        "(400 invalid_rows with `errors: [{index, error}]`). Rate-limited with the import "
        "(6 calls per minute).")),
    RouteTool("import_conversions", route("POST", "/api/v1/conversions/import"), (
        "Imports historical conversions from another platform into a program (`programId`, "
        "`conversions` rows with affiliateEmail or affiliateSlug, amountCents, "
        "commissionCents, currency, occurredAt, paid, externalId). Run "
        "preview_conversion_import first and confirm with the user. `paid: false` rows stay "
        "locked unless `confirmUnpaidPayout: true` makes them payable. Re-running skips rows "
        "already imported. Returns the migration job with its counts. Errors: 400 "
        "invalid_rows / row_cap_exceeded, 404 program_not_found, 409 "
        "migration_already_in_progress, 429 rate_limited.")),
    RouteTool("list_payouts", route("GET", "/api/v1/payouts"), (
        "Payouts already made or in flight, each with its `lineItems` (the commissions it "
        "paid). Filters: affiliateId, status (Pending, Processing, Paid, Failed, Cancelled), "
        "method, since. Returns `{items, nextCursor}`, oldest first.")),
    RouteTool("get_payout", route("GET", "/api/v1/payouts/{id}"), (
        "One payout with its line items. 404 payout_not_found for another organization's "
        "id."), PAYOUT_ID),
    RouteTool("preview_payouts", route("POST", "/api/v1/payouts/preview"), (
        "What run_payouts would pay now for a selection (`method`, `periodStart`, "
        "`periodEnd`, optional `affiliateIds`): `totalCents`, `currency`, eligible and "
        "ineligible candidates with `ineligibilityReason`, and `totals` per currency. Writes "
        "nothing. Always call it before run_payouts: its `totalCents` is the run's "
        "`confirmTotalCents`.")),
    KeyedRouteTool("run_payouts", route("POST", "/api/v1/payouts/run"), (
        "Moves money: pays every eligible candidate of the selection, one payout per "
        "affiliate and currency, and answers them as a list. Only after preview_payouts and "
        "the user's explicit confirmation: `confirmTotalCents` must equal the preview's "
        "`totalCents` (else 409 payout_total_mismatch with `currentTotalCents`, nothing "
        "paid). `idempotencyKey` is required: retrying with the same key and arguments "
        "returns the first answer without paying again; the key with other arguments is 409 "
        "idempotency_key_reused, and 409 idempotency_request_in_progress while the first "
        "call still runs. `Manual` payouts are Paid at once (`externalTransactionId` records "
        "your bank reference); provider payouts start Processing.")),
    RouteTool("get_dashboard_summary", route("GET", "/api/v1/dashboard/summary"), (
        "Headline figures for a window: totalClicks, totalConversions (sales), totalLeads, "
        "totalEarningsCents (all commission), conversionRate (percent), activeAffiliates and "
        "pendingPayoutsCents (Approved commission awaiting payout now). " + WINDOW)),
    RouteTool("get_timeseries", route("GET", "/api/v1/dashboard/timeseries"), (
        "One `metric` (clicks, conversions, leads or payouts) per day of [since, until), "
        "zero-filled: use it for trends and charts. " + WINDOW)),
    RouteTool("get_leaderboard", route("GET", "/api/v1/dashboard/leaderboard"), (
        "The top affiliates by `metric` (clicks, conversions, earnings or epc), at most "
        "`limit` (default 10, max 50), optionally within one program. " + WINDOW)),
    JsonOnlyTool("get_insight", route("GET", "/api/v1/dashboard/insights/{module}"), (
        "One analysis module for a window, optionally for one program or affiliate: "
        "overview, sale-origin, geography, devices, utm (with `dimension` source, medium or "
        "campaign), time-patterns, time-to-convert, funnel, attribution, recurring or "
        "customers. Use overview first for a general picture. An unknown module is 404 "
        "insight_module_not_found listing `modules`. " + WINDOW),
        {"module": "The module's name, e.g. overview, geography or utm."}),
    RouteTool("list_audit_log", route("GET", "/api/v1/audit-log"), (
        "Who changed what: audit rows newest first, filterable by action (e.g. payouts.run), "
        "entityType and [since, until); `page`/`pageSize` (max 100). Calls made with this "
        "MCP key appear with actorType `mcp`. Operator PII (actorUserId, ip, userAgent) is "
        "null for keys. Needs the Pro plan (402 plan_tier_required otherwise).")),
]
