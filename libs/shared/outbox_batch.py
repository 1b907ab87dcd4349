"""Staging many domain events in one statement: the same outbox rows ``Transaction.emit`` writes
one by one, for imports that emit up to two events per row and payout runs that emit two per
payout (20,000 single INSERTs took 2.9-3.7 s, one batched INSERT 0.8-1.0 s: bench payouts_run)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from libs.shared import jsonutil
from libs.shared.db import Conn
from libs.shared.ids import new_id
from libs.shared.outbox import add_events_json


def event_body(event_type: str, org_id: uuid.UUID, data: dict[str, Any], created_at: datetime
               ) -> tuple[uuid.UUID, str]:
    """The JSON ``Transaction.emit`` stages (a ``DomainEvent``), built without a model per
    event: a 1,000-row import stages 2,000 of them."""
    event_id = new_id()
    body = {"id": str(event_id), "type": event_type, "orgId": str(org_id),
            "createdAt": created_at, "data": data}
    return event_id, jsonutil.dumps_str(body)


async def stage_events(conn: Conn, org_id: uuid.UUID,
                       events: list[tuple[str, dict[str, Any]]], *, now: datetime) -> None:
    """``events`` are (type, data) pairs, relayed in this order (each row's outbox time is one
    microsecond after the previous one's)."""
    if not events:
        return
    bodies = [event_body(kind, org_id, data, now) for kind, data in events]
    await add_events_json(conn, [(event_id, kind, body) for (event_id, body), (kind, _)
                                 in zip(bodies, events, strict=True)], now=now)
