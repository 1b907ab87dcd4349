"""The supervisor's restart policy: doubling delays, a reset after a stable run, a crash limit."""

from __future__ import annotations

from services.restart_policy import (
    CRASH_LIMIT,
    FIRST_DELAY,
    MAX_DELAY,
    STABLE_SECONDS,
    WINDOW_SECONDS,
    RestartPolicy,
)


def test_delays_double_up_to_the_cap() -> None:
    policy, now, delays = RestartPolicy(), 0.0, []
    for _ in range(12):
        now += WINDOW_SECONDS  # crashes far apart: never the crash limit
        delay = policy.after_crash(now, up_since=now - 1)
        assert delay is not None
        delays.append(delay)
    assert delays[:3] == [FIRST_DELAY, 2 * FIRST_DELAY, 4 * FIRST_DELAY]
    assert max(delays) == MAX_DELAY


def test_a_stable_run_resets_the_delay() -> None:
    policy = RestartPolicy()
    policy.after_crash(100.0, up_since=99.0)
    policy.after_crash(200.0, up_since=199.0)
    assert policy.after_crash(1000.0, up_since=1000.0 - STABLE_SECONDS) == FIRST_DELAY


def test_too_many_crashes_in_the_window_give_up() -> None:
    policy = RestartPolicy()
    answers = [policy.after_crash(float(t), up_since=float(t)) for t in range(CRASH_LIMIT)]
    assert all(a is not None for a in answers[:-1])
    assert answers[-1] is None
