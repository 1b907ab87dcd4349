"""Leads: a free identified signup, booked as a LeadReward conversion (0/0 on CPS programs, the
program's value on CPL programs). Tracking keeps the e-mail a later sale is matched against."""

from __future__ import annotations

from libs.contracts.common import Actor, as_json
from libs.shared.uow import Transaction
from services.ledger.conversions.adapters.repository import ConversionsRepository
from services.ledger.conversions.domain import booking as s2s
from services.ledger.conversions.domain import model as domain
from services.ledger.conversions.service_layer.recording import record_booked


async def book_lead_row(tx: Transaction, target: s2s.Target, lead: domain.Conversion,
                        email: str, actor: Actor | None) -> bool:
    """Insert a LeadReward row and its events; False (nothing written) when the lead's key
    is already booked."""
    if not await ConversionsRepository(tx.conn).add(lead):
        return False
    await record_booked(tx, lead, actor)
    await tx.emit("lead.created", org_id=lead.org_id, created_at=lead.created_at,
                  data={**as_json(domain.to_response(lead)), "email": email})
    return True
