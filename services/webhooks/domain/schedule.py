"""When a failed delivery is tried again, and when a failing endpoint is given up on.

The schedule follows Svix's (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) and then
stretches, as Stripe does, to about three days: eleven attempts in all, the last one roughly
70 hours after the first. Each wait is jittered by +-20 % so endpoints that failed together do
not come back together. ``scale`` shrinks every duration (tests run the real shape in seconds).

An endpoint whose deliveries have failed without a single success for five days is disabled;
a 410 Gone disables it at once.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=14),
    timedelta(hours=14),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.2
DISABLE_AFTER = timedelta(days=5)


def retry_delay(attempts_made: int, *, scale: float = 1.0,
                rand: random.Random | None = None) -> timedelta | None:
    """The wait before the next attempt after ``attempts_made`` attempts failed, or None when
    the schedule is spent (the delivery has failed for good)."""
    if attempts_made < 1 or attempts_made > len(RETRY_DELAYS):
        return None
    factor = 1 + (rand or random).uniform(-JITTER, JITTER)
    return RETRY_DELAYS[attempts_made - 1] * (factor * scale)


def total_span(scale: float = 1.0) -> timedelta:
    """First attempt to last, without jitter."""
    return sum(RETRY_DELAYS, timedelta()) * scale


def failing_too_long(failing_since: datetime | None, now: datetime, *, scale: float = 1.0
                     ) -> bool:
    return failing_since is not None and now - failing_since >= DISABLE_AFTER * scale
