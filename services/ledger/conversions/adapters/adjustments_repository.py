"""SQL for balance adjustments: what a refunded Paid conversion claws back from an affiliate."""

from __future__ import annotations

import dataclasses

from libs.shared.db import Conn
from services.ledger.conversions.domain.refunds import Adjustment

COLUMNS = [f.name for f in dataclasses.fields(Adjustment)]


class AdjustmentsRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def add(self, a: Adjustment) -> None:
        """At most one per (conversion, reason, refund step): a second claw-back of one refund
        (or of one step of a partial refund) is a no-op."""
        await self.conn.execute(
            f"INSERT INTO balance_adjustments ({', '.join(COLUMNS)}) VALUES "
            f"({', '.join(f'${i + 1}' for i in range(len(COLUMNS)))}) "
            "ON CONFLICT (conversion_id, reason, refund_step) DO NOTHING",
            *[getattr(a, c) for c in COLUMNS])
