"""Every error code's HTTP status, in one table, and the envelope response."""

from __future__ import annotations

from aiohttp import web

from libs.shared import jsonutil
from libs.shared.errors import RekomiError, envelope

STATUS: dict[str, int] = {
    "bad_request": 400,
    "validation_failed": 400,
    "invalid_json": 400,
    "unsupported_currency": 400,
    "unauthorized": 401,
    "plan_tier_required": 402,
    "insufficient_scope": 403,
    "forbidden": 403,  # answered with an empty body (error_response)
    "email_not_verified": 403,
    "not_found": 404,
    "route_not_found": 404,
    "program_not_found": 404,
    "org_not_found": 404,
    "api_key_not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "slug_already_taken": 409,
    "program_archived": 409,
    "handle_already_taken": 409,
    # Idempotency-Key on routes flagged ``idempotent`` (the gateway's own)
    "idempotency_key_reused": 409,
    "idempotency_request_in_progress": 409,
    "payload_too_large": 413,
    "uri_too_long": 414,
    "unsupported_media_type": 415,
    "header_too_large": 431,
    "rate_limited": 429,
    "unknown_method": 502,
    "upstream_timeout": 504,
    "upstream_unavailable": 503,
    "internal_error": 500,
    "secrets_key_unavailable": 503,  # REKOMI_SECRETS_KEYS lacks the key a secret is sealed under
    # ---- affiliates and onboarding (ledger) ----
    "paid_plan_required": 402,
    "pending_invites_limit_reached": 409,
    "invite_not_found": 404,
    "invite_already_pending": 409,
    "invite_not_pending": 409,
    "invite_expired": 410,
    "invite_revoked": 410,
    "affiliate_not_found": 404,
    "affiliate_already_exists": 409,
    "invalid_status_transition": 409,
    "alias_already_taken": 409,
    "coupon_code_taken": 409,
    "coupon_code_not_found": 404,
    "program_at_capacity": 409,
    "slug_reserved": 400,
    "unsupported_value": 400,
    "tax_form_not_found": 404,
    "file_not_found": 404,
    "signed_url_invalid": 403,
    "signed_url_expired": 403,
    "signed_url_used": 410,
    "row_cap_exceeded": 400,
    "migration_already_in_progress": 409,
    "import_job_not_found": 404,
    "import_revert_blocked": 409,
    "invalid_rows": 400,
    # ---- tracking ----
    "conversion_not_found": 404,
    "affiliate_slug_not_found": 404,
    "attribution_not_found": 404,
    "sale_not_found": 404,
    "invalid_signature": 401,
    "signature_expired": 401,
    "attribution_params_too_long": 400,
    "too_many_attribution_params": 400,
    "invalid_attribution_param": 400,
    "link_not_found": 404,
    "landing_url_not_configured": 404,
    "no_program_found": 404,
    "pixel_not_provisioned": 409,
    "integration_not_found": 404,
    "invalid_provider_signature": 400,
    "invalid_provider_event": 400,
    # ---- webhooks ----
    "webhook_not_found": 404,
    "delivery_not_found": 404,
    "webhook_inactive": 409,
    # ---- payouts ----
    "payout_not_found": 404,
    "payout_total_mismatch": 409,
    "payout_run_released": 409,
    "rebuild_out_of_order": 409,  # only the admin command meets it; listed for completeness
    "sub_affiliate_recruiting_disabled": 400,
    "payout_not_retryable": 409,
    "payout_not_cancellable": 409,
    "payout_method_not_configured": 400,
    # ---- dashboard ----
    "insight_module_not_found": 404,
    # ---- embed (gateway) ----
    "embed_token_not_found": 404,
    "embed_token_invalid": 401,  # answered with {} (error_response)
    "token_expired": 401,
    "no_allowed_origins_configured": 403,
    "origin_required": 403,
    "origin_invalid": 403,
    "origin_not_allowed": 403,
    # ---- FX rates (ledger) ----
    "fx_rate_unavailable": 503,
    "fx_file_invalid": 400,
    "fx_source_unavailable": 502,
}


def status_of(code: str) -> int:
    return STATUS.get(code, 500)


# Codes the reference answers with an empty JSON object instead of the envelope.
EMPTY_OBJECT_CODES = frozenset({"embed_token_invalid"})


def error_response(error: RekomiError) -> web.Response:
    if error.code == "forbidden":  # the reference's role refusal: 403, no body
        return web.Response(status=403)
    if error.code in EMPTY_OBJECT_CODES:
        return json_response({}, status_of(error.code))
    response = json_response(error.envelope(), status_of(error.code))
    if "retryAfter" in error.extra:  # a 429 says when to come back, in the body and header
        response.headers["Retry-After"] = str(error.extra["retryAfter"])
    return response


def envelope_response(code: str, message: str, field: str | None = None) -> web.Response:
    return json_response(envelope(code, message, field), status_of(code))


def json_response(body: object, status: int = 200) -> web.Response:
    return web.Response(body=jsonutil.dumps(body), status=status,
                        content_type="application/json")
