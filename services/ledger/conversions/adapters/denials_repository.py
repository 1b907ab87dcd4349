"""SQL for denying a banned affiliate's unpaid commission in one statement."""

from __future__ import annotations

import uuid

from libs.shared.db import Conn
from services.ledger.conversions.adapters.repository import COLUMNS, conversion_from
from services.ledger.conversions.domain.model import Conversion

# ``own``: the affiliate's rows still unpaid, its sales and leads and the overrides it earned as
# a recruiter alike (they all carry its affiliate_id). ``picked``: those and the overrides
# beside them (probed by primary key and by the one-override index, never a scan), locked in
# id order so two bans sharing override rows queue instead of deadlocking; a row a concurrent
# refund (or anything else) moved out of Pending/Approved while this waited is re-checked
# under its lock and left alone. Paid and Refunded never match, nor a row a payout run has
# claimed: that money is committed to the payout (if the payout is cancelled, the row comes back
# Approved, and the Banned affiliate is not eligible to be paid).
_DENY = (
    "WITH own AS (SELECT id FROM conversions WHERE org_id = $1 AND affiliate_id = $2 "
    "AND status IN ('Pending', 'Approved') AND payout_id IS NULL), "
    "picked AS (SELECT id FROM conversions WHERE id = ANY(ARRAY(SELECT id FROM own UNION "
    "SELECT o.id FROM own JOIN conversions o ON o.parent_affiliate_conversion_id = own.id)) "
    "AND status IN ('Pending', 'Approved') AND payout_id IS NULL ORDER BY id FOR UPDATE) "
    "UPDATE conversions c SET status = 'Denied' FROM picked WHERE c.id = picked.id "
    f"RETURNING {', '.join('c.' + col for col in COLUMNS)}")


class DenialsRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def deny_unpaid(self, org_id: uuid.UUID, affiliate_id: uuid.UUID
                          ) -> list[Conversion]:
        """Pending/Approved -> Denied for the affiliate's rows and their overrides; the rows
        as they are now. The caller holds the affiliate's row lock (the ban)."""
        return [conversion_from(r) for r in await self.conn.fetch(_DENY, org_id, affiliate_id)]
