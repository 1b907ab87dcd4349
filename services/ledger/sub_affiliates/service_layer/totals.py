"""What a recruiter's downline earned, per recruit, in the home currency: one plain function the
brand's drilldown and the affiliate's own recruits list both read (rules in
``domain/model.py``)."""

from __future__ import annotations

import uuid

from libs.shared.db import Conn
from services.ledger.metrics.service_layer.queries import Money
from services.ledger.sub_affiliates.adapters.repository import SubAffiliatesRepository
from services.ledger.sub_affiliates.domain.model import Totals, totals_of


async def downline_totals(conn: Conn, org_id: uuid.UUID, recruiter_id: uuid.UUID, home: str
                          ) -> dict[uuid.UUID, Totals]:
    """Recruits that earned nothing counted are absent (their totals are ``Totals()``)."""
    sums = await SubAffiliatesRepository(conn).downline_sums(org_id, recruiter_id)
    money = await Money.load(conn, org_id, [(s.day, s.currency) for s in sums], home=home)
    return totals_of(sums, money.home_cents)
