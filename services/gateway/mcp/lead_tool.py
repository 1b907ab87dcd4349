"""``record_lead``: the signed S2S lead (``POST /api/tracking/lead``) as a tool. The MCP key
stands for the HMAC signature; the rest is the route's: its scope (``read_write``), the S2S
plan gate, the lead body's model, and the same ``leads.accept`` call with the same payload
(``s2s_views.accept_lead``). The reference names the program ``campaignId`` here; it is the
lead body's ``programId``, checked by tracking against the slug's program."""

from __future__ import annotations

from typing import Any

from libs.contracts.s2s import S2SLead
from libs.shared.errors import RekomiError
from services.gateway.domain import access
from services.gateway.entrypoints.http import s2s_views
from services.gateway.entrypoints.http.parsing import validate_body
from services.gateway.entrypoints.http.views import enforce_gates
from services.gateway.mcp.calls import McpCall
from services.gateway.mcp.route_lookup import route
from services.gateway.mcp.route_tools import refuse_unknown

LEAD_ROUTE = route("POST", "/api/tracking/lead")
# Tool argument -> the lead body's field.
ARGUMENTS = {"affiliateSlug": "affiliateSlug", "email": "email", "name": "name",
             "campaignId": "programId"}
DESCRIPTION = (
    "Record a lead: a free identified signup (an e-mail) credited to an affiliate, as the "
    "signed S2S call POST /api/tracking/lead does. Use it when a brand's customer signed up "
    "through an affiliate and no sale happened yet: a later sale with the same e-mail is "
    "credited to that affiliate (email match) even without the click cookie. Arguments: "
    "`affiliateSlug` (the affiliate's link slug), `email`, optional `name`, optional "
    "`campaignId` (the program id; when given, the slug must belong to that program, else "
    "validation_failed with field campaignId and nothing is recorded). Books a LeadReward "
    "conversion (0/0 on CPS programs, the program's value on CPL programs, in the org's home "
    "currency), visible in list_conversions. Returns `{ok, conversionId}`, or `{ok, deduped: "
    "true, conversionId}` with the first lead's id when this e-mail was already recorded in "
    "the program. Needs a read_write key (insufficient_scope otherwise) and Starter+ or a "
    "trial (plan_tier_required); affiliate_slug_not_found for a slug of no approved "
    "affiliate of the org.")


class RecordLeadTool:
    name = "record_lead"
    read_only = False
    full_description = DESCRIPTION

    def input_schema(self) -> dict[str, Any]:
        body = S2SLead.model_json_schema(by_alias=True, mode="validation")
        properties = {arg: dict(body["properties"][field]) for arg, field in ARGUMENTS.items()}
        properties["campaignId"]["description"] = (
            "Optional: the program (campaign) id the lead is for; the slug must be its.")
        return {"type": "object", "properties": properties,
                "required": ["affiliateSlug", "email"], "additionalProperties": False}

    async def run(self, call: McpCall, arguments: dict[str, Any]) -> Any:
        try:
            return await _record(call, arguments)
        except RekomiError as exc:  # the body's programId is this tool's campaignId
            if exc.field == "programId":
                exc.field = "campaignId"
            raise


async def _record(call: McpCall, arguments: dict[str, Any]) -> Any:
    enforce_gates(LEAD_ROUTE, call.principal)
    access.require_s2s(call.principal)
    refuse_unknown(arguments, ARGUMENTS)
    data = {ARGUMENTS[arg]: value for arg, value in arguments.items()}
    org = await s2s_views.org_row(call.request, call.principal.org_id)
    payload = {"orgId": str(call.principal.org_id), "data": validate_body(S2SLead, data),
               "actor": call.actor()}
    return await s2s_views.accept_lead(call.request, org, payload)  # the reply's JSON
