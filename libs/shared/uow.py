"""A unit of work is one asyncpg transaction: it rolls back unless the block completes, and events
staged on it leave through the outbox only if it commits."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from libs.contracts.audit import AUDIT_ROUTING_KEY, AuditRecorded
from libs.contracts.common import Actor, as_json
from libs.contracts.events import DomainEvent
from libs.shared.db import Conn
from libs.shared.ids import new_id
from libs.shared.logging import request_id_var
from libs.shared.outbox import add_event, wake_relay

Snapshot = BaseModel | dict[str, Any] | None


def _snapshot(value: Snapshot) -> dict[str, Any] | None:
    return as_json(value) if isinstance(value, BaseModel) else value


@dataclass(slots=True)
class Transaction:
    conn: Conn
    # Inside ``unit_of_work`` the relay is woken once, at commit, however many events were
    # staged (a booking batch stages hundreds); a bare Transaction wakes it per event.
    defer_notify: bool = False
    staged: int = 0

    async def publish(self, routing_key: str, payload: dict[str, Any]) -> uuid.UUID:
        self.staged += 1
        return await add_event(self.conn, routing_key, payload, notify=not self.defer_notify)

    async def emit(self, event_type: str, *, org_id: uuid.UUID, data: dict[str, Any],
                   created_at: datetime) -> uuid.UUID:
        """Stage a domain event (``affiliate.created``, ...) for the topic exchange."""
        event = DomainEvent(id=new_id(), type=event_type, org_id=org_id, created_at=created_at,
                            data=data)
        self.staged += 1
        return await add_event(self.conn, event_type,
                               event.model_dump(mode="json", by_alias=True), event_id=event.id,
                               notify=not self.defer_notify)

    async def audit(self, *, org_id: uuid.UUID, actor: Actor, action: str, entity_type: str,
                    entity_id: str, before: Snapshot, after: Snapshot,
                    created_at: Any) -> None:
        """Stage the audit row for the gateway's log beside the change it describes; a reply
        model is recorded as the JSON a client sees."""
        event = AuditRecorded(
            id=new_id(), org_id=org_id, action=action, entity_type=entity_type,
            entity_id=entity_id, actor=actor, request_id=request_id_var.get(),
            before=_snapshot(before), after=_snapshot(after), created_at=created_at)
        self.staged += 1
        await add_event(self.conn, AUDIT_ROUTING_KEY,
                        event.model_dump(mode="json", by_alias=True), event_id=event.id,
                        notify=not self.defer_notify)


@asynccontextmanager
async def unit_of_work(pool: asyncpg.Pool) -> AsyncIterator[Transaction]:
    async with pool.acquire() as conn, conn.transaction():
        tx = Transaction(conn, defer_notify=True)
        yield tx
        if tx.staged:
            await wake_relay(conn)
