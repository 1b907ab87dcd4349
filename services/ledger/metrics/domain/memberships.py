"""Whose rollups an affiliate's own insight reads: the memberships the gateway resolved for the
signed-in affiliate (org, affiliate id there), or the one ``affiliateId`` focuses. A focus
that is not one of the caller's is 404, as another org's id is: nothing tells the caller
whether that affiliate exists."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from services.ledger.domain.errors import AffiliateNotFound
from services.ledger.metrics.domain.rollup import DEFAULT_HOME

Membership = tuple[uuid.UUID, uuid.UUID]  # (org, affiliate)


def in_focus(memberships: Iterable[Membership], affiliate_id: uuid.UUID | None
             ) -> list[Membership]:
    """The memberships to read, each once, in the order given."""
    unique = list(dict.fromkeys(memberships))
    if affiliate_id is None:
        return unique
    focused = [m for m in unique if m[1] == affiliate_id]
    if not focused:
        raise AffiliateNotFound("affiliateId is not one of your memberships",
                                field="affiliateId")
    return focused


def reporting_currency(homes: set[str]) -> str:
    """The currency an affiliate's money is reported in: their orgs' home currency when they
    share one (a focused membership has one org), else the default home currency."""
    return next(iter(homes)) if len(homes) == 1 else DEFAULT_HOME
