"""Programs: commission terms, owned by the ledger."""

from __future__ import annotations

from libs.contracts import programs as c
from libs.contracts.programs import ProgramCreate, ProgramPatch
from services.gateway.domain.plans import Tier
from services.gateway.domain.roles import Role
from services.gateway.entrypoints.http.route_table import Route

VISIBILITY_NOTE = (
    "`networkVisibility` is one of `Private`, `Networked`, `InviteOnly`. The published PATCH "
    "example sends `\"Public\"`, which is not a value of the enum: Rekomi refuses it with "
    "400 `validation_failed` (field `networkVisibility`) and a message pointing at `Networked`, "
    "rather than guessing what the caller meant.")


PROGRAM_ID = {"id": "programId"}

PROGRAM_ROUTES: list[Route] = [
    Route("GET", "/api/v1/programs", c.LIST_PROGRAMS, "List programs", "Programs",
          plan=Tier.Starter, role=Role.Viewer, query=c.ProgramListQuery,
          description="Cursor-paginated, oldest first; archived programs only when asked."),
    Route("GET", "/api/v1/programs/{id}", c.GET_PROGRAM, "Get a program", "Programs",
          plan=Tier.Starter, role=Role.Viewer, path_params=PROGRAM_ID,
          description="Archived programs are still returned, with `archivedAt` set."),
    Route("POST", "/api/v1/programs", c.CREATE_PROGRAM, "Create a program",
          "Programs", plan=Tier.Starter, role=Role.Manager, body=ProgramCreate, status=201,
          audited=True,
          description="`slug` is derived from `name` when omitted; it is unique per org among "
                      "live programs (409 `slug_already_taken`). `maxAffiliates` (ours) caps "
                      "the affiliates that hold a seat (null: unlimited). " + VISIBILITY_NOTE),
    Route("PATCH", "/api/v1/programs/{id}", c.UPDATE_PROGRAM, "Update a program",
          "Programs", plan=Tier.Starter, role=Role.Manager, body=ProgramPatch,
          path_params=PROGRAM_ID, audited=True,
          description="Only the keys sent change. `recurringMonths: -1` clears the cap back to "
                      "lifetime (null); `maxAffiliates: null` lifts the capacity. A changed "
                      "`customDomain` resets `customDomainVerified`. "
                      "An archived program answers 409 `program_archived`. " + VISIBILITY_NOTE),
    Route("DELETE", "/api/v1/programs/{id}", c.ARCHIVE_PROGRAM, "Archive a program",
          "Programs", plan=Tier.Starter, role=Role.Owner, status=204, path_params=PROGRAM_ID,
          audited=True,
          description="Soft delete: sets `archivedAt` and frees the slug. Repeating it is a "
                      "no-op 204."),
]
