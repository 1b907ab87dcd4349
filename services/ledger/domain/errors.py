"""The ledger's domain errors; the gateway maps each code to an HTTP status in one table."""

from __future__ import annotations

from libs.shared.errors import Conflict, NotFound, ValidationFailed


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


class AliasTaken(Conflict):
    code = "alias_already_taken"


class SlugReserved(ValidationFailed):
    code = "slug_reserved"
