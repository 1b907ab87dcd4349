"""SQL for the subscriptions the brand's billing ended (0026): one end day per subscription,
written only by the ``tracking.subscription.ended`` consumer, read by the churn count."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from libs.shared.db import Conn


async def record_end(conn: Conn, org_id: uuid.UUID, subscription_id: str, day: date,
                     at: datetime) -> None:
    """Idempotent: a redelivery changes nothing, and of two different ends the earlier day
    stays (the subscription churned then, whichever message came first)."""
    await conn.execute(
        "INSERT INTO subscription_ends AS e (org_id, subscription_id, end_day, recorded_at) "
        "VALUES ($1, $2, $3, $4) ON CONFLICT (org_id, subscription_id) DO UPDATE SET "
        "end_day = least(e.end_day, EXCLUDED.end_day)", org_id, subscription_id, day, at)
