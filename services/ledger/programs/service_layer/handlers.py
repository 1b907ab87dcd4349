"""Program use cases: each is one unit of work, audited through the outbox."""

from __future__ import annotations

import uuid

import asyncpg

from libs.contracts.programs import (
    ArchiveProgram,
    CreateProgram,
    GetProgram,
    ListPrograms,
    ProgramList,
    ProgramResponse,
    UpdateProgram,
)
from libs.shared.clock import now_utc
from libs.shared.db import Conn
from libs.shared.ids import new_id
from libs.shared.pagination import PageRequest, decode_cursor, page_of
from libs.shared.uow import unit_of_work
from services.ledger.domain.errors import ProgramNotFound
from services.ledger.programs.adapters.repository import ProgramsRepository, cursor_of
from services.ledger.programs.domain import model as domain


async def _locked(repo: ProgramsRepository, org_id: uuid.UUID, program_id: uuid.UUID
                  ) -> domain.Program:
    """The program, row-locked for the rest of the unit of work, or a 404."""
    program = await repo.get(org_id, program_id, lock=True)
    if program is None:
        raise ProgramNotFound("program not found")
    return program


async def live_program(conn: Conn, org_id: uuid.UUID, program_id: uuid.UUID) -> domain.Program:
    """The org's program when it is not archived, else a 404 on ``programId`` (what affiliates,
    invites and imports check before adding to a program)."""
    program = await ProgramsRepository(conn).get(org_id, program_id)
    if program is None or program.archived_at is not None:
        raise ProgramNotFound("program not found", field="programId")
    return program


async def get_program(pool: asyncpg.Pool, cmd: GetProgram) -> ProgramResponse:
    async with pool.acquire() as conn:
        program = await ProgramsRepository(conn).get(cmd.org_id, cmd.program_id)
    if program is None:
        raise ProgramNotFound("program not found")
    return domain.to_response(program)


async def list_programs(pool: asyncpg.Pool, cmd: ListPrograms) -> ProgramList:
    page = PageRequest(take=cmd.take, after=decode_cursor(cmd.cursor))
    async with pool.acquire() as conn:
        rows = await ProgramsRepository(conn).page(cmd.org_id, page,
                                                   include_archived=cmd.include_archived)
    items, next_cursor, has_more = page_of(rows, cmd.take, cursor_of)
    return ProgramList(items=[domain.to_response(p) for p in items], next_cursor=next_cursor,
                       has_more=has_more)


async def create_program(pool: asyncpg.Pool, cmd: CreateProgram) -> ProgramResponse:
    now = now_utc()
    program = domain.new_program(cmd.org_id, cmd.data, program_id=new_id(), now=now)
    after = domain.to_response(program)
    async with unit_of_work(pool) as tx:
        await ProgramsRepository(tx.conn).add(program)
        await tx.audit(org_id=cmd.org_id, actor=cmd.actor, action="program.created",
                       entity_type="program", entity_id=str(program.id), before=None,
                       after=after, created_at=now)
    return after


async def update_program(pool: asyncpg.Pool, cmd: UpdateProgram) -> ProgramResponse:
    now = now_utc()
    async with unit_of_work(pool) as tx:
        repo = ProgramsRepository(tx.conn)
        current = await _locked(repo, cmd.org_id, cmd.program_id)
        updated = domain.apply_patch(current, cmd.data.changes(), now=now)
        if updated is current:
            return domain.to_response(current)
        await repo.save(updated)
        after = domain.to_response(updated)
        await tx.audit(org_id=cmd.org_id, actor=cmd.actor, action="program.updated",
                       entity_type="program", entity_id=str(updated.id),
                       before=domain.to_response(current), after=after, created_at=now)
    return after


async def archive_program(pool: asyncpg.Pool, cmd: ArchiveProgram) -> None:
    """Soft delete; archiving an archived program changes nothing and is not an error."""
    now = now_utc()
    async with unit_of_work(pool) as tx:
        repo = ProgramsRepository(tx.conn)
        current = await _locked(repo, cmd.org_id, cmd.program_id)
        archived = domain.archive(current, now=now)
        if archived is current:
            return
        await repo.save(archived)
        await tx.audit(org_id=cmd.org_id, actor=cmd.actor, action="program.archived",
                       entity_type="program", entity_id=str(archived.id),
                       before=domain.to_response(current), after=domain.to_response(archived),
                       created_at=now)
