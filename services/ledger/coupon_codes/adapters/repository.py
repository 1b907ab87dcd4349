"""SQL for coupon codes; every query is scoped by org, and codes compare in lower case (the
unique index ``coupon_codes_org_code`` is on ``(org_id, lower(code))``)."""

from __future__ import annotations

import dataclasses
import uuid

import asyncpg

from libs.contracts.coupon_codes import code_key
from libs.shared.db import Conn
from libs.shared.pagination import Cursor, keyset_sql
from services.ledger.coupon_codes.domain.model import CouponAffiliate, CouponCode
from services.ledger.domain.errors import CouponCodeTaken

COLUMNS = [f.name for f in dataclasses.fields(CouponCode)]
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM coupon_codes"


class CouponCodesRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def live_affiliate(self, org_id: uuid.UUID, affiliate_id: uuid.UUID, *,
                             lock: bool = False) -> bool:
        """Whether the org has this affiliate (not deleted). ``lock`` holds it against a
        delete, which releases its codes, until the transaction ends."""
        return bool(await self.conn.fetchval(
            "SELECT true FROM affiliates WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL"
            + (" FOR KEY SHARE" if lock else ""), org_id, affiliate_id))

    async def add(self, coupon: CouponCode) -> None:
        try:
            await self.conn.execute(
                f"INSERT INTO coupon_codes ({', '.join(COLUMNS)}) "
                f"VALUES ({', '.join(f'${i + 1}' for i in range(len(COLUMNS)))})",
                *[getattr(coupon, c) for c in COLUMNS])
        except asyncpg.UniqueViolationError:
            raise CouponCodeTaken(f"the coupon code {coupon.code!r} is already assigned in "
                                  "this org (codes are unique whatever their case)",
                                  field="code") from None

    async def page(self, org_id: uuid.UUID, affiliate_id: uuid.UUID, *, take: int,
                   after: Cursor | None) -> list[CouponCode]:
        where = ["org_id = $1", "affiliate_id = $2"]
        args: list[object] = [org_id, affiliate_id]
        rows = await self.conn.fetch(_SELECT + keyset_sql(where, args, after, take), *args)
        return [CouponCode(**dict(r)) for r in rows]

    async def remove(self, org_id: uuid.UUID, affiliate_id: uuid.UUID, code: str
                     ) -> CouponCode | None:
        row = await self.conn.fetchrow(
            f"DELETE FROM coupon_codes WHERE org_id = $1 AND affiliate_id = $2 "
            f"AND lower(code) = $3 RETURNING {', '.join(COLUMNS)}",
            org_id, affiliate_id, code_key(code))
        return CouponCode(**dict(row)) if row is not None else None

    async def release_all(self, org_id: uuid.UUID, affiliate_id: uuid.UUID
                          ) -> list[CouponCode]:
        """Frees every code of an affiliate that is being deleted."""
        rows = await self.conn.fetch(
            f"DELETE FROM coupon_codes WHERE org_id = $1 AND affiliate_id = $2 "
            f"RETURNING {', '.join(COLUMNS)}", org_id, affiliate_id)
        return sorted((CouponCode(**dict(r)) for r in rows), key=lambda c: (c.created_at, c.id))

    async def affiliate_for_coupon(self, org_id: uuid.UUID, code: str
                                   ) -> CouponAffiliate | None:
        """The affiliate ``code`` (any case) is assigned to in the org, or None."""
        row = await self.conn.fetchrow(
            "SELECT a.id, a.program_id, a.status, c.code FROM coupon_codes c "
            "JOIN affiliates a ON a.id = c.affiliate_id "
            "WHERE c.org_id = $1 AND lower(c.code) = $2 AND a.deleted_at IS NULL",
            org_id, code_key(code))
        if row is None:
            return None
        return CouponAffiliate(affiliate_id=row["id"], program_id=row["program_id"],
                               status=row["status"], code=row["code"])


def cursor_of(coupon: CouponCode) -> Cursor:
    return Cursor(coupon.created_at, coupon.id)
