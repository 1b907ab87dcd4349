"""SQL for affiliates and their links; every query is scoped by org."""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict

import asyncpg

from libs.shared.db import Conn
from libs.shared.pagination import Cursor, keyset_sql
from services.ledger.affiliates.domain.links import Link
from services.ledger.affiliates.domain.model import SEATED, Affiliate
from services.ledger.domain.errors import AffiliateExists

COLUMNS = [f.name for f in dataclasses.fields(Affiliate) if f.name != "links"]
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM affiliates"
_INSERT = (f"INSERT INTO affiliates ({', '.join(COLUMNS)}) "
           f"VALUES ({', '.join(f'${i + 1}' for i in range(len(COLUMNS)))})")
_MUTABLE = [c for c in COLUMNS if c not in ("id", "org_id", "program_id", "created_at")]
_UPDATE = (f"UPDATE affiliates SET "
           f"{', '.join(f'{c} = ${i + 3}' for i, c in enumerate(_MUTABLE))} "
           "WHERE org_id = $1 AND id = $2")
LINK_COLUMNS = [f.name for f in dataclasses.fields(Link)]
_LINK_INSERT = (f"INSERT INTO affiliate_links ({', '.join(LINK_COLUMNS)}) "
                f"VALUES ({', '.join(f'${i + 1}' for i in range(len(LINK_COLUMNS)))})")


def affiliate_from(row: asyncpg.Record, links: list[Link] | None = None) -> Affiliate:
    return Affiliate(**dict(row), links=links or [])


def values(affiliate: Affiliate) -> list[object]:
    return [getattr(affiliate, c) for c in COLUMNS]


class AffiliatesRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def get(self, org_id: uuid.UUID, affiliate_id: uuid.UUID, *, lock: bool = False
                  ) -> Affiliate | None:
        sql = f"{_SELECT} WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL"
        row = await self.conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), org_id,
                                       affiliate_id)
        if row is None:
            return None
        return affiliate_from(row, (await self.links_of([affiliate_id]))[affiliate_id])

    async def page(self, org_id: uuid.UUID, *, take: int, after: Cursor | None,
                   program_id: uuid.UUID | None, status: str | None, q: str | None
                   ) -> list[Affiliate]:
        where = ["org_id = $1", "deleted_at IS NULL"]
        args: list[object] = [org_id]
        for column, value in (("program_id", program_id), ("status", status)):
            if value is not None:
                args.append(value)
                where.append(f"{column} = ${len(args)}")
        if q:
            args.append("%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                        + "%")
            where.append(f"(email ILIKE ${len(args)} OR full_name ILIKE ${len(args)})")
        rows = await self.conn.fetch(_SELECT + keyset_sql(where, args, after, take), *args)
        links = await self.links_of([r["id"] for r in rows])
        return [affiliate_from(r, links[r["id"]]) for r in rows]

    async def links_of(self, affiliate_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Link]]:
        found: dict[uuid.UUID, list[Link]] = defaultdict(list)
        if affiliate_ids:
            rows = await self.conn.fetch(
                f"SELECT {', '.join(LINK_COLUMNS)} FROM affiliate_links "
                "WHERE affiliate_id = ANY($1) ORDER BY is_default DESC, created_at",
                affiliate_ids)
            for row in rows:
                found[row["affiliate_id"]].append(Link(**dict(row)))
        return found

    async def email_taken(self, program_id: uuid.UUID, email: str) -> bool:
        return bool(await self.conn.fetchval(
            "SELECT true FROM affiliates WHERE program_id = $1 AND email = $2 "
            "AND deleted_at IS NULL", program_id, email))

    async def seats_taken(self, program_id: uuid.UUID) -> int:
        """The program's affiliates that hold a seat (``SEATED``), deleted ones aside."""
        return int(await self.conn.fetchval(
            "SELECT count(*) FROM affiliates WHERE program_id = $1 AND deleted_at IS NULL "
            "AND status = ANY($2)", program_id, sorted(SEATED)))

    async def add(self, affiliate: Affiliate) -> None:
        try:
            await self.conn.execute(_INSERT, *values(affiliate))
        except asyncpg.UniqueViolationError:
            raise AffiliateExists("an affiliate with this email already exists in the program",
                                  field="email") from None

    async def save(self, affiliate: Affiliate) -> None:
        await self.conn.execute(_UPDATE, affiliate.org_id, affiliate.id,
                                *[getattr(affiliate, c) for c in _MUTABLE])

    async def slug_exists(self, slug: str) -> bool:
        return bool(await self.conn.fetchval(
            "SELECT true FROM affiliate_links WHERE slug = $1", slug))

    async def add_link(self, link: Link) -> bool:
        """False when the slug is taken (by any org)."""
        inserted = await self.conn.fetchval(
            _LINK_INSERT + " ON CONFLICT (slug) DO NOTHING RETURNING true",
            *[getattr(link, c) for c in LINK_COLUMNS])
        return bool(inserted)

    async def of_memberships(self, org_ids: list[uuid.UUID], affiliate_ids: list[uuid.UUID]
                             ) -> list[Affiliate]:
        """The live affiliates among (org id, affiliate id) pairs, index for index (an
        affiliate id paired with another org is none of them), oldest first, with links."""
        rows = await self.conn.fetch(
            f"{_SELECT} WHERE (org_id, id) IN (SELECT * FROM unnest($1::uuid[], $2::uuid[])) "
            "AND deleted_at IS NULL ORDER BY created_at, id",
            org_ids, affiliate_ids)
        links = await self.links_of([r["id"] for r in rows])
        return [affiliate_from(r, links[r["id"]]) for r in rows]

    async def in_org(self, org_id: uuid.UUID, ids: list[uuid.UUID], *, lock: bool = False
                     ) -> list[Affiliate]:
        rows = await self.conn.fetch(
            f"{_SELECT} WHERE org_id = $1 AND id = ANY($2) AND deleted_at IS NULL ORDER BY id"
            + (" FOR UPDATE" if lock else ""), org_id, ids)
        links = await self.links_of([r["id"] for r in rows])
        return [affiliate_from(r, links[r["id"]]) for r in rows]


def cursor_of(affiliate: Affiliate) -> Cursor:
    return Cursor(affiliate.created_at, affiliate.id)
