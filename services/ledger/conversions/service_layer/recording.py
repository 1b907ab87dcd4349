"""Inserting a booked conversion with what goes with it: its timeline event, the recruiter's
override beside a sale, and the ``conversion.created`` events (plus an audit row when a person or
key made it). Tracking accepted the sale; ``booking`` decides what to book."""

from __future__ import annotations

from libs.contracts.common import Actor, as_json
from libs.shared.ids import new_id
from libs.shared.uow import Transaction
from services.ledger.conversions.adapters.repository import ConversionsRepository
from services.ledger.conversions.domain import booking as s2s
from services.ledger.conversions.domain import model as domain


async def record_booked(tx: Transaction, conversion: domain.Conversion, actor: Actor | None,
               event_type: str = "initial") -> None:
    """Timeline event (``initial``, or ``renewal`` for a later sale of a subscription), audit
    row and ``conversion.created`` for a freshly inserted row."""
    repo = ConversionsRepository(tx.conn)
    await repo.add_event(domain.ConversionEvent(
        new_id(), conversion.id, event_type, conversion.amount_cents,
        conversion.commission_cents, conversion.created_at))
    shape = as_json(domain.to_response(conversion))
    if actor is not None:
        await tx.audit(org_id=conversion.org_id, actor=actor, action="conversion.created",
                       entity_type="conversion", entity_id=str(conversion.id), before=None,
                       after=shape, created_at=conversion.created_at)
    await tx.emit("conversion.created", org_id=conversion.org_id, data=shape,
                  created_at=conversion.created_at)


async def book_with_override(tx: Transaction, target: s2s.Target, conversion: domain.Conversion,
                             actor: Actor | None, event_type: str = "initial") -> bool:
    """Insert a sale and its recruiter's override; False (nothing written) when the sale's
    (org, externalEventId) is already booked."""
    repo = ConversionsRepository(tx.conn)
    if not await repo.add(conversion):
        return False
    await record_booked(tx, conversion, actor, event_type)
    override = s2s.override_for(target, conversion, conversion_id=new_id())
    if override is not None:
        await repo.add(override)
        await record_booked(tx, override, None, event_type)
    return True
