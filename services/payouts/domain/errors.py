"""The payouts service's domain errors; the gateway maps each code to an HTTP status."""

from __future__ import annotations

from libs.shared.errors import Conflict, NotFound, ValidationFailed


class PayoutNotFound(NotFound):
    code = "payout_not_found"


class PayoutNotRetryable(Conflict):
    code = "payout_not_retryable"


class PayoutNotCancellable(Conflict):
    code = "payout_not_cancellable"


class PayoutMethodNotConfigured(ValidationFailed):
    code = "payout_method_not_configured"


class AffiliateNotFound(NotFound):
    """An ``affiliateId`` outside the caller's memberships (the affiliate side)."""

    code = "affiliate_not_found"
