"""SQL for invites; every brand-side query is scoped by org, lookups by token by its hash."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

import asyncpg

from libs.shared.db import Conn
from libs.shared.pagination import Cursor, keyset_sql
from services.ledger.domain.errors import InviteAlreadyPending
from services.ledger.invites.domain.model import Invite

COLUMNS = [f.name for f in dataclasses.fields(Invite)]
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM affiliate_invites"
_INSERT = (f"INSERT INTO affiliate_invites ({', '.join(COLUMNS)}) "
           f"VALUES ({', '.join(f'${i + 1}' for i in range(len(COLUMNS)))})")
_MUTABLE = [c for c in COLUMNS if c not in ("id", "org_id", "program_id", "created_at")]
_UPDATE = (f"UPDATE affiliate_invites SET "
           f"{', '.join(f'{c} = ${i + 3}' for i, c in enumerate(_MUTABLE))} "
           "WHERE org_id = $1 AND id = $2")
_STATE_WHERE = {
    "Pending": "state = 'Pending' AND expires_at > ${now}",
    "Expired": "(state = 'Expired' OR (state = 'Pending' AND expires_at <= ${now}))",
    "Accepted": "state = 'Accepted'",
    "Revoked": "state = 'Revoked'",
}


def invite_from(row: asyncpg.Record) -> Invite:
    return Invite(**dict(row))


class InvitesRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def lock_org(self, org_id: uuid.UUID) -> None:
        """Serialise invite creation per org so the pending cap holds under concurrency."""
        await self.conn.execute("SELECT pg_advisory_xact_lock(hashtext('invites:' || $1))",
                                str(org_id))

    async def add(self, invite: Invite) -> None:
        try:
            await self.conn.execute(_INSERT, *[getattr(invite, c) for c in COLUMNS])
        except asyncpg.UniqueViolationError:
            raise InviteAlreadyPending("this email already has a pending invite to the program; "
                                       "resend it instead", field="email") from None

    async def save(self, invite: Invite) -> None:
        try:
            await self.conn.execute(_UPDATE, invite.org_id, invite.id,
                                    *[getattr(invite, c) for c in _MUTABLE])
        except asyncpg.UniqueViolationError:
            raise InviteAlreadyPending("this email already has another pending invite to the "
                                       "program") from None

    async def get(self, org_id: uuid.UUID, invite_id: uuid.UUID, *, lock: bool = False
                  ) -> Invite | None:
        row = await self.conn.fetchrow(
            f"{_SELECT} WHERE org_id = $1 AND id = $2" + (" FOR UPDATE" if lock else ""),
            org_id, invite_id)
        return invite_from(row) if row else None

    async def by_token_hash(self, digest: bytes, *, lock: bool = False) -> Invite | None:
        row = await self.conn.fetchrow(
            f"{_SELECT} WHERE token_hash = $1" + (" FOR UPDATE" if lock else ""), digest)
        return invite_from(row) if row else None

    async def by_id(self, invite_id: uuid.UUID) -> Invite | None:
        row = await self.conn.fetchrow(f"{_SELECT} WHERE id = $1", invite_id)
        return invite_from(row) if row else None

    async def expire_stale(self, program_id: uuid.UUID, emails: list[str], now: datetime) -> None:
        """Store Expired on lapsed Pending invites so a new invite may take their place."""
        await self.conn.execute(
            "UPDATE affiliate_invites SET state = 'Expired', updated_at = $3 "
            "WHERE program_id = $1 AND email = ANY($2) AND state = 'Pending' "
            "AND expires_at <= $3", program_id, emails, now)

    async def pending_count(self, org_id: uuid.UUID, now: datetime) -> int:
        count: int = await self.conn.fetchval(
            "SELECT count(*) FROM affiliate_invites WHERE org_id = $1 AND state = 'Pending' "
            "AND expires_at > $2", org_id, now)
        return count

    async def pending_emails(self, program_id: uuid.UUID, emails: list[str], now: datetime
                             ) -> set[str]:
        rows = await self.conn.fetch(
            "SELECT email FROM affiliate_invites WHERE program_id = $1 AND email = ANY($2) "
            "AND state = 'Pending' AND expires_at > $3", program_id, emails, now)
        return {r["email"] for r in rows}

    async def affiliate_emails(self, program_id: uuid.UUID, emails: list[str]) -> set[str]:
        rows = await self.conn.fetch(
            "SELECT email FROM affiliates WHERE program_id = $1 AND email = ANY($2) "
            "AND deleted_at IS NULL", program_id, emails)
        return {r["email"] for r in rows}

    async def taken_slugs(self, slugs: list[str]) -> set[str]:
        rows = await self.conn.fetch("SELECT slug FROM affiliate_links WHERE slug = ANY($1)",
                                     slugs)
        return {r["slug"] for r in rows}

    async def page(self, org_id: uuid.UUID, *, take: int, after: Cursor | None,
                   program_id: uuid.UUID | None, state: str | None, now: datetime
                   ) -> list[Invite]:
        where = ["org_id = $1", "$2::timestamptz IS NOT NULL"]  # $2 (now) typed when unused
        args: list[object] = [org_id, now]
        if state is not None:
            where.append(_STATE_WHERE[state].replace("${now}", "$2"))
        if program_id is not None:
            args.append(program_id)
            where.append(f"program_id = ${len(args)}")
        rows = await self.conn.fetch(_SELECT + keyset_sql(where, args, after, take), *args)
        return [invite_from(r) for r in rows]

    async def program_names(self, org_id: uuid.UUID, ids: list[uuid.UUID]
                            ) -> dict[uuid.UUID, str]:
        rows = await self.conn.fetch("SELECT id, name FROM programs WHERE org_id = $1 "
                                     "AND id = ANY($2)", org_id, ids)
        return {r["id"]: r["name"] for r in rows}


def cursor_of(invite: Invite) -> Cursor:
    return Cursor(invite.created_at, invite.id)
