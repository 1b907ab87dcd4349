"""Banning an affiliate denies its unpaid commission, in the ban's own transaction (the rules
and why: ``services/ledger/conversions/domain/denials.py``).

A row a payout run has claimed is never denied (the repository's filter): that money is
committed to the payout (money invariant 2). The denied rows are announced on the bus as
``ledger.conversions.denied`` (not a webhook type) so the dashboard's rollups take them out."""

from __future__ import annotations

from datetime import datetime

from libs.contracts.metrics import CONVERSIONS_DENIED
from libs.shared.ids import new_id
from libs.shared.uow import Transaction
from services.ledger.affiliates.domain.model import Affiliate
from services.ledger.conversions.adapters.denials_repository import DenialsRepository
from services.ledger.conversions.adapters.repository import ConversionsRepository
from services.ledger.conversions.domain.denials import denied_event
from services.ledger.conversions.domain.model import Conversion


async def deny_unpaid(tx: Transaction, affiliate: Affiliate, *, at: datetime
                      ) -> list[Conversion]:
    """Deny the affiliate's Pending and Approved rows, the overrides it earned as a recruiter
    and the overrides beside its denied sales, each with a ``denied`` timeline event. Call
    holding the affiliate's row lock; returns the denied rows."""
    denied = await DenialsRepository(tx.conn).deny_unpaid(affiliate.org_id, affiliate.id)
    if denied:
        await ConversionsRepository(tx.conn).add_events(
            [denied_event(c, at=at, event_id=new_id()) for c in denied])
        await tx.publish(CONVERSIONS_DENIED, {"orgId": str(affiliate.org_id),
                                              "conversionIds": [str(c.id) for c in denied]})
    return denied
