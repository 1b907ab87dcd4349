"""The pure rules behind ``maxAffiliates``: which changes claim a seat, and when one fits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from libs.contracts.affiliates import AffiliateStatus as S
from services.ledger.affiliates.domain import model as domain

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def affiliate(status: S) -> domain.Affiliate:
    return domain.Affiliate(
        id=uuid.uuid4(), org_id=uuid.uuid4(), program_id=uuid.uuid4(), email="a@b.co",
        full_name=None, status=status.value, custom_commission_type=None,
        custom_commission_value=None, tags=[], notes=None, source="Direct",
        application_data=None, rejection_reason=None, recruited_by_affiliate_id=None,
        applied_at=None, approved_at=None, created_at=T0, updated_at=T0)


def test_seats_are_claimed_by_entering_approved_or_paused_from_outside() -> None:
    # A creation as Approved, or Pending -> Approved, claims a seat; resuming a Paused
    # affiliate does not (a pause keeps the seat), nor does leaving the seated statuses.
    assert domain.takes_seat(None, affiliate(S.Approved))
    assert not domain.takes_seat(None, affiliate(S.Pending))
    assert domain.takes_seat(affiliate(S.Pending), affiliate(S.Approved))
    assert not domain.takes_seat(affiliate(S.Paused), affiliate(S.Approved))
    assert not domain.takes_seat(affiliate(S.Approved), affiliate(S.Paused))
    assert not domain.takes_seat(affiliate(S.Approved), affiliate(S.Banned))


@pytest.mark.parametrize(("capacity", "seated", "adding", "room"), [
    (None, 10**6, 1, True), (2, 1, 1, True), (2, 2, 1, False), (2, 0, 3, False),
    (0, 0, 1, False), (1, 3, 1, False),  # lowered below the seats taken: no one more
])
def test_has_room(capacity: int | None, seated: int, adding: int, room: bool) -> None:
    assert domain.has_room(capacity, seated, adding) is room
