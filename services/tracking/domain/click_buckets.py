"""CPC buckets, pure: which UTC time bucket a click counts in, when a bucket may close, and where
clicks go that were written after their own bucket had already closed.

A bucket is ``size`` seconds aligned to the Unix epoch (an hour by default, so buckets start on
the hour in UTC). It closes once it ended ``margin`` seconds ago; clicks are written within a
fraction of a second, so the margin only matters for a stalled writer or a skewed replica clock.
A click written after its bucket closed is not dropped and not re-opened: it is counted in the
first bucket still open (``closed_through``), flagged late.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Count:
    """Non-bot clicks of one affiliate in the bucket they were created in."""

    org_id: uuid.UUID
    program_id: uuid.UUID
    affiliate_id: uuid.UUID
    start: datetime
    clicks: int


@dataclass(frozen=True, slots=True)
class Placed:
    """Clicks to add to one open bucket; ``late`` of them belong to an earlier, closed one."""

    org_id: uuid.UUID
    program_id: uuid.UUID
    affiliate_id: uuid.UUID
    start: datetime
    end: datetime
    clicks: int
    late: int


def bucket_start(at: datetime, size: int) -> datetime:
    seconds = int((at - EPOCH).total_seconds() // size) * size
    return EPOCH + timedelta(seconds=seconds)


def closable_until(now: datetime, *, margin: float, size: int) -> datetime:
    """Buckets ending at or before this instant may close (it is itself a bucket boundary)."""
    return bucket_start(now - timedelta(seconds=margin), size)


def place(counts: Iterable[Count], closed_through: datetime | None, size: int) -> list[Placed]:
    """Each count goes to its own bucket, or to ``closed_through`` (the first open bucket) when
    its own bucket already closed; counts meeting in one bucket are summed."""
    merged: dict[tuple[uuid.UUID, uuid.UUID, uuid.UUID, datetime], tuple[int, int]] = {}
    for c in counts:
        start = c.start if closed_through is None else max(c.start, closed_through)
        key = (c.org_id, c.program_id, c.affiliate_id, start)
        clicks, late = merged.get(key, (0, 0))
        merged[key] = (clicks + c.clicks, late + (c.clicks if start != c.start else 0))
    return [Placed(org, program, affiliate, start, start + timedelta(seconds=size), n, late)
            for (org, program, affiliate, start), (n, late) in merged.items()]
