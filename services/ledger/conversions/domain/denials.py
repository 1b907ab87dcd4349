"""Denied conversions: the commission of a Banned affiliate is never approved nor paid.

DOMAIN.md has "Pending | Approved -> Denied" and nothing that says when; these are our rules:

- A ban is a verdict on the affiliate (fraud, abuse, terms broken), so what it had earned but
  not yet received is withheld: banning denies its Pending and Approved conversions, the
  overrides it earned as a recruiter on other affiliates' sales (they are its commission too),
  and the overrides beside its denied sales (an override follows its parent, invariant 6).
  Paid and Refunded rows are history and stay as they are.
- Whatever the ledger books for a Banned affiliate afterwards (a renewal of one of its
  subscriptions, an e-mail-matched sale, a lead, a click bucket) is booked Denied: the
  commission is computed and kept for the record, but the approval job only moves Pending rows,
  so it is never approved and never paid. An override for a Banned recruiter is Denied too.
- Paused is not Banned: pausing stops new links (tracking refuses a paused affiliate's slug),
  not commission already earned, so a Paused affiliate's subscriptions keep earning their
  renewals, as the program's recurring terms promised at signup.

A denial is stored like a refund: status ``Denied`` and a ``denied`` event on the timeline with
the amount and commission negated, so a timeline nets out the way the dashboard totals leave
Denied rows out. Booking a row Denied from the start adds no such event: nothing was taken
back, the row never counted."""

from __future__ import annotations

import uuid
from datetime import datetime

from services.ledger.conversions.domain.model import Conversion, ConversionEvent

BANNED = "Banned"
DENIED = "Denied"


def booked_status(banned: bool) -> str:
    """The status a freshly booked row starts in: Pending (approved after the grace days), or
    Denied when its affiliate is Banned."""
    return DENIED if banned else "Pending"


def denied_event(c: Conversion, *, at: datetime, event_id: uuid.UUID) -> ConversionEvent:
    """The timeline's ``denied``: the row's amount and commission negated, like ``refund``."""
    return ConversionEvent(event_id, c.id, "denied", -c.amount_cents, -c.commission_cents, at)
