"""SQL for disputes: the dispute rows (0025), and the one condition every reader of payable
commission adds to skip what an open dispute holds."""

from __future__ import annotations

import uuid
from datetime import datetime

from libs.shared.db import Conn
from services.ledger.conversions.domain.disputes import DisputeState


def held_by_dispute(conversions: str) -> str:
    """SQL true when the row of ``conversions`` (the table's name or alias in the statement)
    belongs to a sale with an open dispute; its override carries the sale's external id, so
    it is held too. One index probe (conversion_disputes_open) per row."""
    return ("EXISTS (SELECT 1 FROM conversion_disputes held WHERE held.state = 'open' "
            f"AND held.org_id = {conversions}.org_id "
            f"AND held.sale_external_event_id = {conversions}.external_event_id)")


class DisputesRepository:
    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    async def state(self, org_id: uuid.UUID, dispute_id: str) -> DisputeState | None:
        found: DisputeState | None = await self.conn.fetchval(
            "SELECT state FROM conversion_disputes WHERE org_id = $1 AND dispute_id = $2",
            org_id, dispute_id)
        return found

    async def save(self, org_id: uuid.UUID, dispute_id: str, sale_external_event_id: str,
                   state: DisputeState, at: datetime) -> None:
        """Record the dispute in ``state`` as of ``at`` (the caller holds its lock)."""
        opened_at, closed_at = (at, None) if state == "open" else (None, at)
        await self.conn.execute(
            "INSERT INTO conversion_disputes (org_id, dispute_id, sale_external_event_id, "
            "state, opened_at, closed_at) VALUES ($1, $2, $3, $4, $5, $6) "
            "ON CONFLICT (org_id, dispute_id) DO UPDATE SET state = EXCLUDED.state, "
            "closed_at = EXCLUDED.closed_at",
            org_id, dispute_id, sale_external_event_id, state, opened_at, closed_at)
