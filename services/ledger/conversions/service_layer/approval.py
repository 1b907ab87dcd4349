"""The conversion lifecycle job: Pending -> Approved once the org's payout grace days (fixed
when the conversion was booked) have passed, with ``conversion.approved`` and an audit row per
conversion, in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from libs.contracts.common import Actor, ActorType, as_json
from libs.contracts.conversions import ConversionStatus
from libs.shared.uow import unit_of_work
from services.ledger.conversions.adapters.repository import ConversionsRepository
from services.ledger.conversions.domain.model import to_response

SYSTEM = Actor(type=ActorType.system)


async def approve_due(pool: asyncpg.Pool, *, now: datetime, batch: int) -> int:
    """Approve one batch of due conversions; returns how many (``batch`` means: run again)."""
    async with unit_of_work(pool) as tx:
        approved = await ConversionsRepository(tx.conn).approve_due(now, batch)
        for conversion in approved:
            shape = to_response(conversion)
            await tx.audit(org_id=conversion.org_id, actor=SYSTEM, action="conversion.approved",
                           entity_type="conversion", entity_id=str(conversion.id),
                           before=shape.model_copy(update={"status": ConversionStatus.Pending}),
                           after=shape, created_at=now)
            await tx.emit("conversion.approved", org_id=conversion.org_id, data=as_json(shape),
                          created_at=now)
    return len(approved)
