"""SQL for partial refunds: how far a conversion has been refunded (``conversion_refunds``), the
commission a step lowers, and whether a payout run holds the row. The caller holds the row's
lock (``sale_for_update``/``override_for_update``)."""

from __future__ import annotations

import dataclasses
import uuid

from libs.shared.db import Conn
from services.ledger.conversions.domain.refunds import RefundProgress

COLUMNS = [f.name for f in dataclasses.fields(RefundProgress)]
_UPSERT = (
    f"INSERT INTO conversion_refunds ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join(f'${i + 1}' for i in range(len(COLUMNS)))}) "
    "ON CONFLICT (conversion_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS if c != "conversion_id"))


class RefundProgressRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def get(self, conversion_id: uuid.UUID) -> RefundProgress | None:
        row = await self.conn.fetchrow(
            f"SELECT {', '.join(COLUMNS)} FROM conversion_refunds WHERE conversion_id = $1",
            conversion_id)
        return RefundProgress(**dict(row)) if row else None

    async def save(self, progress: RefundProgress) -> None:
        await self.conn.execute(_UPSERT, *[getattr(progress, c) for c in COLUMNS])

    async def claimed(self, conversion_id: uuid.UUID) -> bool:
        """Whether a payout run has claimed the row: it pays the commission as claimed."""
        return bool(await self.conn.fetchval(
            "SELECT payout_id IS NOT NULL FROM conversions WHERE id = $1", conversion_id))

    async def set_commission(self, conversion_id: uuid.UUID, commission_cents: int) -> None:
        await self.conn.execute("UPDATE conversions SET commission_cents = $2 WHERE id = $1",
                                conversion_id, commission_cents)
