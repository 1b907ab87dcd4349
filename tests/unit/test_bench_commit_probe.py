"""The bench's commit probe lines its samples up with the load's seconds."""

from __future__ import annotations

from bench.commit_probe import per_second_max


def test_each_second_keeps_its_slowest_commit_and_outside_samples_are_dropped() -> None:
    start = 1_000.0
    samples = [[999.9, 50.0],  # before the load
               [1_000.02, 1.0], [1_000.5, 3.5], [1_000.98, 2.0],
               [1_002.1, 71.0], [1_002.2, 0.9],
               [1_003.0, 99.0]]  # after the last second
    assert per_second_max(samples, start, 3) == [3.5, 0.0, 71.0]
