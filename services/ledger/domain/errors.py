"""The ledger's domain errors; the gateway maps each code to an HTTP status in one table."""

from __future__ import annotations

from libs.shared.errors import Conflict, NotFound


class ProgramNotFound(NotFound):
    code = "program_not_found"


class SlugTaken(Conflict):
    code = "slug_already_taken"


class ProgramArchived(Conflict):
    code = "program_archived"
