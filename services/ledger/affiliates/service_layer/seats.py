"""A program's capacity (``maxAffiliates``). Every path that gives an affiliate a seat asks
here first, inside its unit of work: applying (asked even for a Pending application: a full
program takes no applications), approving (one, by PATCH or in bulk), the admin create, an
invite's acceptance and a roster import."""

from __future__ import annotations

import uuid

from libs.shared.db import Conn
from services.ledger.affiliates.adapters.repository import AffiliatesRepository
from services.ledger.affiliates.domain.model import has_room
from services.ledger.domain.errors import ProgramAtCapacity
from services.ledger.programs.adapters.repository import ProgramsRepository


async def ensure_seats(conn: Conn, org_id: uuid.UUID, program_id: uuid.UUID, *,
                      adding: int = 1) -> None:
    """409 ``program_at_capacity`` unless ``adding`` more seats fit. The program row stays
    locked until the transaction ends, so two concurrent claims never both take its last
    seat (the second one counts after the first commits)."""
    if adding <= 0:
        return
    capacity = await ProgramsRepository(conn).capacity(org_id, program_id)
    if capacity is None:
        return
    if not has_room(capacity, await AffiliatesRepository(conn).seats_taken(program_id), adding):
        raise ProgramAtCapacity(f"this program is at its capacity of {capacity} affiliates")


async def lock_programs(conn: Conn, org_id: uuid.UUID, program_ids: set[uuid.UUID]) -> None:
    """Before claiming seats in several programs: take their locks in one order."""
    await ProgramsRepository(conn).lock_many(org_id, sorted(program_ids))
