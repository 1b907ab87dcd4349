"""The gateway's own errors (the HTTP status of every code lives in entrypoints/http/errors)."""

from __future__ import annotations

from libs.shared.errors import NotFound, RekomiError


class Unauthorized(RekomiError):
    code = "unauthorized"


class InsufficientScope(RekomiError):
    code = "insufficient_scope"


class Forbidden(RekomiError):
    """403 with an empty body, as the reference answers a caller whose role is not enough
    (or whose kind of credential the route does not take)."""

    code = "forbidden"


class EmailNotVerified(RekomiError):
    code = "email_not_verified"


class PlanTierRequired(RekomiError):
    code = "plan_tier_required"


class RateLimited(RekomiError):
    code = "rate_limited"


class InvalidJson(RekomiError):
    code = "invalid_json"


class HeaderTooLarge(RekomiError):
    code = "header_too_large"


class UnsupportedMediaType(RekomiError):
    code = "unsupported_media_type"


class PayloadTooLarge(RekomiError):
    code = "payload_too_large"


class OrgNotFound(NotFound):
    code = "org_not_found"


class KeyNotFound(NotFound):
    code = "api_key_not_found"


class HandleTaken(RekomiError):
    code = "handle_already_taken"


class IdempotencyKeyReused(RekomiError):
    code = "idempotency_key_reused"


class IdempotencyRequestInProgress(RekomiError):
    code = "idempotency_request_in_progress"


# ---- the public embedded dashboard (domain/embed.py) ----
class EmbedTokenInvalid(RekomiError):
    """401 with an empty JSON object, as the reference answers an unknown or revoked token."""

    code = "embed_token_invalid"


class EmbedTokenExpired(RekomiError):
    code = "token_expired"


class NoAllowedOrigins(RekomiError):
    code = "no_allowed_origins_configured"


class OriginRequired(RekomiError):
    code = "origin_required"


class OriginInvalid(RekomiError):
    code = "origin_invalid"


class OriginNotAllowed(RekomiError):
    code = "origin_not_allowed"


class EmbedTokenNotFound(NotFound):
    code = "embed_token_not_found"
