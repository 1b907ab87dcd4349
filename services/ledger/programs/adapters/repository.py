"""SQL for programs; every query is scoped by org, so another org's id is simply not found."""

from __future__ import annotations

import dataclasses
import uuid

import asyncpg

from libs.shared.db import Conn
from libs.shared.pagination import Cursor, PageRequest, keyset_sql
from services.ledger.domain.errors import SlugTaken
from services.ledger.programs.domain.model import Program

_COLUMNS = [f.name for f in dataclasses.fields(Program)]
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM programs"
_INSERT = (f"INSERT INTO programs ({', '.join(_COLUMNS)}) "
           f"VALUES ({', '.join(f'${i + 1}' for i in range(len(_COLUMNS)))})")
_MUTABLE = [c for c in _COLUMNS if c not in ("id", "org_id", "created_at")]
_UPDATE = (f"UPDATE programs SET {', '.join(f'{c} = ${i + 3}' for i, c in enumerate(_MUTABLE))} "
           "WHERE org_id = $1 AND id = $2")


def _program(row: asyncpg.Record) -> Program:
    return Program(**dict(row))


class ProgramsRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def get(self, org_id: uuid.UUID, program_id: uuid.UUID, *, lock: bool = False
                  ) -> Program | None:
        sql = f"{_SELECT} WHERE org_id = $1 AND id = $2" + (" FOR UPDATE" if lock else "")
        row = await self.conn.fetchrow(sql, org_id, program_id)
        return _program(row) if row else None

    async def by_ids(self, program_ids: list[uuid.UUID]) -> dict[uuid.UUID, Program]:
        """Programs of any org by id: for ids the caller took from rows it already scoped (an
        affiliate's own program)."""
        rows = await self.conn.fetch(f"{_SELECT} WHERE id = ANY($1::uuid[])", program_ids)
        return {r["id"]: _program(r) for r in rows}

    async def capacity(self, org_id: uuid.UUID, program_id: uuid.UUID) -> int | None:
        """The program's ``max_affiliates``, row-locked until the transaction ends. NO KEY
        UPDATE: it serialises seat claims without blocking rows that merely reference the
        program (their foreign-key checks take KEY SHARE)."""
        capacity = await self.conn.fetchval(
            "SELECT max_affiliates FROM programs WHERE org_id = $1 AND id = $2 "
            "FOR NO KEY UPDATE", org_id, program_id)
        return None if capacity is None else int(capacity)

    async def lock_many(self, org_id: uuid.UUID, program_ids: list[uuid.UUID]) -> None:
        """Lock as ``capacity`` does, several at once in id order (no deadlock between two
        bulk approvals that span the same programs)."""
        await self.conn.execute(
            "SELECT id FROM programs WHERE org_id = $1 AND id = ANY($2) "
            "ORDER BY id FOR NO KEY UPDATE", org_id, program_ids)

    async def page(self, org_id: uuid.UUID, page: PageRequest, *, include_archived: bool
                   ) -> list[Program]:
        """``page.take + 1`` programs after the cursor, oldest first."""
        where = ["org_id = $1"]
        args: list[object] = [org_id]
        if not include_archived:
            where.append("archived_at IS NULL")
        sql = _SELECT + keyset_sql(where, args, page.after, page.take)
        return [_program(r) for r in await self.conn.fetch(sql, *args)]

    async def add(self, program: Program) -> None:
        try:
            await self.conn.execute(_INSERT, *dataclasses.astuple(program))
        except asyncpg.UniqueViolationError:
            raise SlugTaken(f"slug {program.slug!r} is already used by another program",
                            field="slug") from None

    async def save(self, program: Program) -> None:
        values = [getattr(program, c) for c in _MUTABLE]
        try:
            await self.conn.execute(_UPDATE, program.org_id, program.id, *values)
        except asyncpg.UniqueViolationError:
            raise SlugTaken(f"slug {program.slug!r} is already used by another program",
                            field="slug") from None


def cursor_of(program: Program) -> Cursor:
    return Cursor(program.created_at, program.id)
