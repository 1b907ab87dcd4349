"""Banning an affiliate denies its unpaid commission, in the ban's own transaction (the rules
and why: ``services/ledger/conversions/domain/denials.py``).

Payouts: nothing claims a conversion yet (``services/payouts`` has no tables and answers only
the system RPCs; the ledger has no payout RPC), so no row can be in a payout in progress today.
The denial takes each row's lock and re-checks its status under it, so when payouts arrive a
claim must move its rows out of Pending/Approved (or the filter here must learn the claim
marker) under the same row lock: a claimed row is then never denied (money invariant 2)."""

from __future__ import annotations

from datetime import datetime

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
    return denied
