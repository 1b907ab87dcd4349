"""Disputes of a sale's payment (a chargeback): the dispute's state, as a plain state machine.

An open dispute holds the sale's commission and its override's (invariant 6): the approval
job skips them and no payout run claims them. The hold is the dispute's state itself (the
SQL asks whether the sale has an open dispute), so a dispute recorded before its sale is
booked holds the sale the moment it lands, and closing the dispute releases it with no
row to update. A Paid commission is not held: it left already (a lost dispute claws it back
through the refund).

Closing is final: a close that arrives before its open wins (the later open changes nothing),
and a redelivered open or close changes nothing either."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DisputeState = Literal["open", "won", "lost"]


@dataclass(frozen=True, slots=True)
class Step:
    """What a dispute message changes: the dispute's new state, and whether the sale is now
    refunded whole (the dispute was lost)."""

    state: DisputeState
    refunds_sale: bool = False


def opened(current: DisputeState | None) -> Step | None:
    """The dispute opened; None when that changes nothing (it is open or closed already)."""
    return Step("open") if current is None else None


def closed(current: DisputeState | None, *, won: bool) -> Step | None:
    """The dispute closed, won or lost; None when it is closed already (the first close is
    the outcome). A lost dispute refunds the sale, whether its open was seen or not."""
    if current in ("won", "lost"):
        return None
    return Step("won") if won else Step("lost", refunds_sale=True)


def refund_event_id(dispute_id: str) -> str:
    """The external id of the refund a lost dispute books: one per dispute."""
    return f"dispute:{dispute_id}"
