"""The webhooks service's domain errors; the gateway maps each code to an HTTP status in one
table (``services/gateway/entrypoints/http/errors.py``)."""

from __future__ import annotations

from libs.shared.errors import Conflict, NotFound, ValidationFailed


class WebhookNotFound(NotFound):
    code = "webhook_not_found"


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"


class UrlRefused(ValidationFailed):
    """An endpoint URL the policy refuses (scheme, host or the addresses it resolves to). Kept
    as ``validation_failed`` so clients see the usual 400 envelope with ``field: url``."""


class WebhookInactive(Conflict):
    code = "webhook_inactive"
