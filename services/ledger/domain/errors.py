"""The ledger's domain errors; the gateway maps each code to an HTTP status in one table."""

from __future__ import annotations

from libs.shared.errors import Conflict, NotFound, RekomiError, ValidationFailed


class ProgramNotFound(NotFound):
    code = "program_not_found"


class SlugTaken(Conflict):
    code = "slug_already_taken"


class ProgramArchived(Conflict):
    code = "program_archived"


class AffiliateNotFound(NotFound):
    code = "affiliate_not_found"


class AffiliateExists(Conflict):
    code = "affiliate_already_exists"


class InvalidStatusTransition(Conflict):
    code = "invalid_status_transition"


class ProgramAtCapacity(Conflict):
    """The program's ``maxAffiliates`` seats are all taken (Approved or Paused affiliates)."""

    code = "program_at_capacity"


class AliasTaken(Conflict):
    code = "alias_already_taken"


class SlugReserved(ValidationFailed):
    code = "slug_reserved"


class CouponCodeTaken(Conflict):
    """Codes are unique per org whatever their case: a redeemed code credits one affiliate."""

    code = "coupon_code_taken"


class CouponCodeNotFound(NotFound):
    code = "coupon_code_not_found"


# ---- storefront, sub-affiliates and tax forms ----
class TaxFormNotFound(NotFound):
    code = "tax_form_not_found"


class SignedUrlInvalid(RekomiError):
    code = "signed_url_invalid"


class SignedUrlExpired(RekomiError):
    code = "signed_url_expired"


class SignedUrlUsed(RekomiError):
    """410: a download link serves its file once (the reference: "single-use")."""

    code = "signed_url_used"


class FileNotFound(NotFound):
    code = "file_not_found"


# ---- affiliate invites ----
class InviteNotFound(NotFound):
    code = "invite_not_found"


class InviteAlreadyPending(Conflict):
    code = "invite_already_pending"


class PendingInvitesLimitReached(Conflict):
    code = "pending_invites_limit_reached"


class InviteNotPending(Conflict):
    code = "invite_not_pending"


class InviteExpired(Conflict):
    """410: the invite's accept window passed (the brand may resend it)."""

    code = "invite_expired"


class InviteRevoked(Conflict):
    """410: the brand revoked the invite."""

    code = "invite_revoked"


# ---- imports (bulk migration) ----
class MigrationInProgress(Conflict):
    code = "migration_already_in_progress"


class ImportJobNotFound(NotFound):
    code = "import_job_not_found"


class ImportRevertBlocked(Conflict):
    code = "import_revert_blocked"


# ---- conversions, S2S and leads ----
class ConversionNotFound(NotFound):
    code = "conversion_not_found"


class AffiliateSlugNotFound(NotFound):
    """No live link with this slug in the caller's org (another org's slug included)."""

    code = "affiliate_slug_not_found"


# ---- FX rates (reporting normalization) ----
class FxRateUnavailable(RekomiError):
    """No rate for a currency on or before a day: rates were never loaded that far back."""

    code = "fx_rate_unavailable"


class FxFileInvalid(ValidationFailed):
    code = "fx_file_invalid"


class FxSourceUnavailable(RekomiError):
    code = "fx_source_unavailable"


class InvalidRows(ValidationFailed):
    """400: a conversion import with rows that fail validation; ``errors`` lists
    ``{index, error}`` per offending row and nothing is written."""

    code = "invalid_rows"


# ---- payables ----
class PayoutTotalMismatch(Conflict):
    code = "payout_total_mismatch"


class PayoutRunReleased(Conflict):
    code = "payout_run_released"


class RebuildOutOfOrder(Conflict):
    """A metrics rebuild is asked for a day other than the next one of its plan (another
    rebuild of the org runs, or the plan was restarted)."""

    code = "rebuild_out_of_order"
