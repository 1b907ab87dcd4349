"""CPC buckets: UTC alignment, when a bucket may close, and where late clicks go."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.tracking.domain.click_buckets import (
    Count,
    Placed,
    bucket_start,
    closable_until,
    place,
)

HOUR, DAY = 3600, 86400
ORG, PROGRAM, A, B = (uuid.uuid4() for _ in range(4))


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 5, 10, hour, minute, second, tzinfo=UTC)


def test_buckets_are_utc_hours_or_days() -> None:
    assert bucket_start(at(13, 59, 59), HOUR) == at(13)
    assert bucket_start(at(14), HOUR) == at(14)
    assert bucket_start(at(23, 30), DAY) == at(0)
    paris = datetime(2026, 5, 10, 1, 30, tzinfo=UTC).astimezone()  # any zone, same instant
    assert bucket_start(paris, DAY) == at(0)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                    timezones=st.just(UTC)), st.sampled_from([60, 900, HOUR, DAY]))
def test_a_moment_lies_in_its_bucket(moment: datetime, size: int) -> None:
    start = bucket_start(moment, size)
    assert start <= moment < start + timedelta(seconds=size)


def test_a_bucket_closes_only_after_the_margin() -> None:
    # 14:00-15:00 may close at 15:05 with a 5-minute margin, not a second earlier.
    assert closable_until(at(15, 4, 59), margin=300, size=HOUR) == at(14)
    assert closable_until(at(15, 5), margin=300, size=HOUR) == at(15)


def test_counts_go_to_their_own_open_bucket() -> None:
    placed = place([Count(ORG, PROGRAM, A, at(14), 3), Count(ORG, PROGRAM, B, at(14), 2)],
                   at(14), HOUR)
    assert placed == [Placed(ORG, PROGRAM, A, at(14), at(15), 3, 0),
                      Placed(ORG, PROGRAM, B, at(14), at(15), 2, 0)]


def test_late_clicks_join_the_first_open_bucket_flagged_late() -> None:
    # 14:00 closed already (closed_through 15:00): its straggler counts in 15:00-16:00.
    placed = place([Count(ORG, PROGRAM, A, at(14), 1), Count(ORG, PROGRAM, A, at(15), 4),
                    Count(ORG, PROGRAM, A, at(12), 2)], at(15), HOUR)
    assert placed == [Placed(ORG, PROGRAM, A, at(15), at(16), 7, 3)]


def test_nothing_closed_yet_means_nothing_is_late() -> None:
    assert place([Count(ORG, PROGRAM, A, at(9), 1)], None, HOUR) == [
        Placed(ORG, PROGRAM, A, at(9), at(10), 1, 0)]


@given(st.lists(st.tuples(st.sampled_from([A, B]), st.integers(0, 30), st.integers(1, 50)),
                max_size=30), st.integers(0, 30))
def test_placing_keeps_every_click_and_fills_no_closed_bucket(
        counts: list[tuple[uuid.UUID, int, int]], closed_hour: int) -> None:
    closed = at(0) + timedelta(hours=closed_hour)
    placed = place([Count(ORG, PROGRAM, aff, at(0) + timedelta(hours=h), n)
                    for aff, h, n in counts], closed, HOUR)
    assert sum(p.clicks for p in placed) == sum(n for _, _, n in counts)
    assert all(p.start >= closed for p in placed)
    assert len({(p.affiliate_id, p.start) for p in placed}) == len(placed)
