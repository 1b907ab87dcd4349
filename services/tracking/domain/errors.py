"""The tracking service's domain errors; the gateway maps each code to an HTTP status."""

from __future__ import annotations

from libs.shared.errors import NotFound, RekomiError, ValidationFailed


class AttributionParamsTooLong(ValidationFailed):
    code = "attribution_params_too_long"


class TooManyAttributionParams(ValidationFailed):
    code = "too_many_attribution_params"


class InvalidAttributionParam(ValidationFailed):
    code = "invalid_attribution_param"


class LinkNotFound(NotFound):
    code = "link_not_found"


class LandingUrlNotConfigured(NotFound):
    code = "landing_url_not_configured"


class NoProgramFound(NotFound):
    code = "no_program_found"


class PixelNotProvisioned(RekomiError):
    code = "pixel_not_provisioned"


class AffiliateSlugNotFound(NotFound):
    code = "affiliate_slug_not_found"


class NoAttribution(NotFound):
    """A sale without a slug whose subscription and customer e-mail match nothing."""

    code = "attribution_not_found"


class SaleNotFound(NotFound):
    """A refund of a sale the org never sent."""

    code = "sale_not_found"


class IntegrationNotFound(NotFound):
    """No org has this handle, or the org has not connected this provider."""

    code = "integration_not_found"


class InvalidProviderSignature(ValidationFailed):
    """A provider event whose signature is missing, wrong or outside the tolerance: 400, so
    the provider reports the failure to the brand (and retries) while nothing is stored."""

    code = "invalid_provider_signature"


class InvalidProviderEvent(ValidationFailed):
    """A correctly signed body that is not an event (no JSON object, no id or type)."""

    code = "invalid_provider_event"
